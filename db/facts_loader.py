"""Read the plan and its latest figures into the plain facts the evaluation works on.

One query per table for all the projects asked for, grouped in Python: a national run (thousands
of projects, millions of figures) costs a handful of scans, not a query per project. Columns are
selected explicitly rather than as ORM objects, which would cost far more per row.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict, namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from sqlalchemy import case, func, true
from sqlmodel import Session, col, select

from db.facts_cache import keep_facts, kept_facts
from db.figures import fetch_rows, ints, load_figures
from db.models import (
    CollectionAttempt,
    Evidence,
    Indicator,
    Project,
    RectificationItem,
    ReportFiling,
    Source,
)
from db.types import aware_utc, code_point_order, stored_date
from domain.agreement import parse_agree_within
from domain.enums import Binding, Cadence, Comparator, IndicatorKind, PeriodKind, Recurrence
from domain.facts import (
    AlertSettings,
    IndicatorFacts,
    ItemFacts,
    ProjectFacts,
    Series,
    SourceFacts,
    SourceReading,
)
from domain.workdays import OFFICE_TZ


def load_projects(session: Session, codes: list[str] | None = None) -> list[ProjectFacts]:
    """Every project asked for (all when ``codes`` is None) as facts, with its latest figures.

    A project whose rows have not changed since its facts were last loaded is read back from the
    copy kept then (:mod:`db.facts_cache`); the others are loaded and their copies kept.
    """
    with no_gc():
        order = _project_ids(session, codes)
        kept = kept_facts(session, [pid for _, pid in order])  # stamps first: before any row is read
        missing = [code for code, pid in order if pid not in kept.facts]
        loaded = _load(session, codes if len(missing) == len(order) else missing) if missing else []
        ids = dict(order)
        keep_facts(session, ((ids[p.code], kept.stamps[ids[p.code]], p) for p in loaded))
        by_code = {p.code: p for p in loaded}
        return [kept.facts.get(pid) or by_code[code] for code, pid in order]


def _project_ids(session: Session, codes: list[str] | None) -> list[tuple[str, int]]:
    """(code, id) of the projects asked for, in the order :func:`_load` gives them."""
    query = select(Project.code, Project.id).order_by(Project.code)
    if codes:
        query = query.where(col(Project.code).in_(codes))
    return [(code, pid) for code, pid in session.exec(query) if pid is not None]


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cycle collector: a national load allocates millions of tuples that never form
    cycles, and the collector would traverse them over and over while they pile up. Judging them
    afterwards (tens of thousands of findings) is paused for the same reason."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What the pause let pile up in the youngest generation (millions of objects
            # nationally) is moved to the oldest in one step, without a traversal: left young,
            # the first collection after the pause walked every one of them (about 0.15 s).
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def project_order(session: Session, codes: list[str] | None = None) -> list[str]:
    """The codes of the projects asked for (all when None), in the order :func:`load_projects` gives."""
    return [code for code, _ in _project_ids(session, codes)]


def _load(session: Session, codes: list[str] | None) -> list[ProjectFacts]:
    query = select(Project).order_by(Project.code)
    if codes:
        query = query.where(col(Project.code).in_(codes))
    projects = list(session.exec(query))
    ids = [p.id for p in projects]

    def only(column: Any) -> Any:
        """Restrict to the projects asked for; with none named, every row is wanted anyway."""
        return col(column).in_(ids) if codes else true()

    sources = _sources(session, only)
    # Messages say where a figure came from by the source's name (桐城e镇电商公共服务中心数据后台),
    # not the code the plan file gave it.
    names = {(pid, s.code): s.name for pid, found in sources.items() for s in found if s.name}
    indicators = _indicators(session, only, {p.id: p.code for p in projects}, ids if codes else None, names)
    items = _items(session, only)
    filings: dict[int, dict[tuple[str, str], bool]] = defaultdict(dict)
    for project_id, source, month, filed in session.exec(
        select(ReportFiling.project_id, ReportFiling.source_code, ReportFiling.month, ReportFiling.filed)
        .where(only(ReportFiling.project_id))
    ):  # fmt: skip
        filings[project_id][(source, month)] = bool(filed)
    return [
        ProjectFacts(
            code=p.code,
            name=p.name,
            plan_start=p.plan_start,
            plan_end=p.plan_end,
            indicators=tuple(indicators[pid]),
            items=tuple(ItemFacts(p.code, *rest) for rest in items[pid]),
            sources=tuple(sources[pid]),
            filings=dict(filings[pid]),
            settings=_settings(p.alert_settings),
            rectification_issued=stored_date(p.rectification_issued),
        )
        for p in projects
        if (pid := p.id) is not None  # always: the rows were read from the database
    ]


def _settings(raw: dict[str, Any]) -> AlertSettings:
    offsets = raw.get("reminder_workdays")
    return AlertSettings(
        reminder_workdays=tuple(int(n) for n in offsets) if offsets else None,
        escalate_after_workdays=raw.get("escalate_after_workdays"),
        checkin_every_months=raw.get("checkin_every_months"),
    )


# One row of the indicator SELECT, by name.
_IndicatorRow = namedtuple(
    "_IndicatorRow",
    "id project_id code name kind binding unit comparator target target_high period due done done_at "
    "done_evidence_id responsible_persons responsible_unit source_code pace base_code reference_code "
    "cadence tolerance alternatives item window_start window_end average recurs grace_days figure due_text "
    "agree_within",
)


def _indicators(
    session: Session,
    only: Any,
    codes: dict[Any, str],
    ids: list[Any] | None,
    source_names: dict[tuple[int, str], str],
) -> dict[int | None, list[IndicatorFacts]]:
    targets: dict[int, dict[int, float]] = defaultdict(dict)
    towns: dict[int, dict[tuple[int | None, str], float]] = defaultdict(dict)
    # Straight from the driver, as the indicators below: a province has hundreds of thousands.
    where = f" WHERE i.project_id IN ({ints(ids)})" if ids is not None else ""
    for indicator_id, year, town, value in fetch_rows(
        session,
        "SELECT t.indicator_id, t.year, t.town, t.value FROM indicatortarget t "
        f"JOIN indicator i ON i.id = t.indicator_id{where}",
    ):
        if town is None and year is not None:
            targets[indicator_id][year] = value
        elif town is not None:
            towns[indicator_id][(year, town)] = value
    values, town_values, sources = load_figures(session, ids)
    readings = load_readings(session, ids)
    proofs = dict(
        session.exec(
            select(Evidence.id, Evidence.sha256)
            .join(Indicator, col(Indicator.done_evidence_id) == Evidence.id)
            .where(only(Indicator.project_id))
        ).all()
    )
    grouped: dict[int | None, list[IndicatorFacts]] = defaultdict(list)
    # Straight from the driver: tens of thousands of indicators nationally, read once; the few
    # typed columns are converted here (SQLite hands back text, PostgreSQL typed values).
    where = f" WHERE project_id IN ({ints(ids)})" if ids is not None else ""
    rows = fetch_rows(session, f"SELECT {', '.join(_IndicatorRow._fields)} FROM indicator{where}")
    # Sorted here rather than by ORDER BY, whose order follows the database's collation.
    for row in sorted(map(_IndicatorRow._make, rows), key=attrgetter("code")):
        i, project_id = row.id, row.project_id
        grouped[project_id].append(
            IndicatorFacts(
                project=codes[project_id],
                code=row.code,
                name=row.name,
                kind=IndicatorKind(row.kind),
                binding=Binding(row.binding),
                unit=row.unit,
                comparator=Comparator(row.comparator),
                target=row.target,
                target_high=row.target_high,
                period=PeriodKind(row.period),
                due=stored_date(row.due),
                done=bool(row.done),
                done_on=_office_date(aware_utc(row.done_at)),
                done_evidence=proofs.get(row.done_evidence_id) if row.done_evidence_id else None,
                persons=_json(row.responsible_persons),
                responsible_unit=row.responsible_unit,
                year_targets=targets.get(i, {}),
                town_targets=towns.get(i, {}),
                values=values.get(i) or Series(),
                town_values=town_values.get(i, {}),
                sources=tuple(sorted(source_names.get((project_id, c), c) for c in sources.get(i, ()))),
                source=row.source_code,
                pace=_json(row.pace),
                base=row.base_code,
                reference=row.reference_code,
                cadence=Cadence(row.cadence),
                tolerance=row.tolerance,
                alternatives=_json(row.alternatives),
                item=row.item,
                window_start=stored_date(row.window_start),
                window_end=stored_date(row.window_end),
                average=bool(row.average),
                recurs=Recurrence(row.recurs) if row.recurs else None,
                grace_days=row.grace_days,
                figure=bool(row.figure),
                due_text=row.due_text,
                agree_within=parse_agree_within(row.agree_within) if row.agree_within else None,
                readings=readings.get(i, ()),
            )
        )
    return grouped


def load_readings(session: Session, ids: list[Any] | None) -> dict[int, tuple[SourceReading, ...]]:
    """Each source's latest county figure per month, only for indicators that set ``agree_within``
    (few): by indicator id, in month then source order, with its evidence's id and name."""
    where = f" AND i.project_id IN ({ints(ids)})" if ids is not None else ""
    rows = fetch_rows(
        session,
        "SELECT m.indicator_id, m.month, COALESCE(m.source_code, m.origin), m.value, m.cumulative, "
        "m.recorded_at, m.evidence_id, e.origin "
        "FROM measurement m JOIN indicator i ON i.id = m.indicator_id "
        "LEFT JOIN evidence e ON e.id = m.evidence_id "
        f"WHERE m.town IS NULL AND i.agree_within IS NOT NULL{where} ORDER BY m.revision",
    )
    latest: dict[tuple[int, str, str], SourceReading] = {}
    for indicator_id, month, source, value, cumulative, recorded_at, evidence_id, origin in rows:
        latest[(indicator_id, month, source)] = SourceReading(
            month,
            source,
            value,
            bool(cumulative),
            _office_date(aware_utc(recorded_at)),
            evidence_id,
            origin,
        )
    readings: dict[int, list[SourceReading]] = defaultdict(list)
    for (indicator_id, _, _), reading in sorted(latest.items()):
        readings[indicator_id].append(reading)
    return {i: tuple(rows) for i, rows in readings.items()}


def _json(value: Any) -> tuple[Any, ...]:
    """A JSON list column as a tuple (SQLite hands back the text, PostgreSQL the list)."""
    return _parsed(value) if isinstance(value, str) else tuple(value or ())


@lru_cache(maxsize=4096)  # tens of thousands of indicators share a few hundred lists of names
def _parsed(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text) or ())


def _items(session: Session, only: Any) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    query = (
        select(*RectificationItem.__table__.columns)  # type: ignore[attr-defined]
        .where(only(RectificationItem.project_id))
        .order_by(col(RectificationItem.project_id), col(RectificationItem.batch), col(RectificationItem.id))
    )
    for r in session.exec(query):
        grouped[r.project_id].append(
            (
                r.batch,
                r.number,
                r.problem,
                tuple(r.persons),
                tuple(r.units),
                r.deadline,
                r.deadline_text,
                r.ongoing,
                r.status,
                _office_date(r.closed_at),
                r.result,
            )
        )
    return grouped


def _sources(session: Session, only: Any) -> dict[int, list[SourceFacts]]:
    """Each source with its last success, first attempt and — if the latest attempt failed — why."""
    stats: dict[tuple[int, str], tuple[datetime | None, datetime | None]] = {}
    ok_at = func.max(case((col(CollectionAttempt.ok), CollectionAttempt.started_at), else_=None))
    for project_id, code, last_ok, first in session.exec(
        select(
            CollectionAttempt.project_id,
            CollectionAttempt.source_code,
            ok_at,
            func.min(CollectionAttempt.started_at),
        )
        .where(only(CollectionAttempt.project_id))
        .group_by(col(CollectionAttempt.project_id), col(CollectionAttempt.source_code))
    ):
        stats[(project_id, code)] = (last_ok, first)
    newest = (
        select(func.max(CollectionAttempt.id))
        .where(only(CollectionAttempt.project_id))
        .group_by(col(CollectionAttempt.project_id), col(CollectionAttempt.source_code))
    )
    failed = {
        (a.project_id, a.source_code): (a.error or "采集失败", a.evidence_id is not None)
        for a in session.exec(select(CollectionAttempt).where(col(CollectionAttempt.id).in_(newest)))
        if not a.ok
    }
    grouped: dict[int, list[SourceFacts]] = defaultdict(list)
    for s in session.exec(
        select(Source).where(only(Source.project_id)).order_by(code_point_order(Source.code))
    ):
        succeeded_at, first_at = stats.get((s.project_id, s.code), (None, None))
        error, page_kept = failed.get((s.project_id, s.code), (None, False))
        grouped[s.project_id].append(
            SourceFacts(
                code=s.code,
                kind=s.kind,
                name=s.name,
                last_ok=_office_date(aware_utc(succeeded_at)),
                first_attempt=_office_date(aware_utc(first_at)),
                failed_error=error,
                failed_page_kept=page_kept,
            )
        )
    return grouped


def _office_date(value: datetime | None) -> Any:
    return value.astimezone(OFFICE_TZ).date() if value else None
