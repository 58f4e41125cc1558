"""Read the plan and its latest figures into the plain facts the evaluation works on.

One query per table for all the projects asked for, grouped in Python: a national run (thousands
of projects, millions of figures) costs a handful of scans, not a query per project. Columns are
selected explicitly rather than as ORM objects, which would cost far more per row.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import case, func, true
from sqlmodel import Session, col, select

from bot.facts import (
    AlertSettings,
    IndicatorFacts,
    ItemFacts,
    MonthValue,
    ProjectFacts,
    Series,
    SourceFacts,
)
from bot.workdays import OFFICE_TZ
from db.models import (
    CollectionAttempt,
    Evidence,
    Indicator,
    IndicatorTarget,
    Project,
    RectificationItem,
    ReportFiling,
    Source,
)


def load_projects(session: Session, codes: list[str] | None = None) -> list[ProjectFacts]:
    """Every project asked for (all when ``codes`` is None) as facts, with its latest figures."""
    with _no_gc():
        return _load(session, codes)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector: a national load allocates millions of tuples that never form
    cycles, and the collector would traverse them over and over while they pile up."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(session: Session, codes: list[str] | None) -> list[ProjectFacts]:
    query = select(Project).order_by(Project.code)
    if codes:
        query = query.where(col(Project.code).in_(codes))
    projects = list(session.exec(query))
    ids = [p.id for p in projects]

    def only(column: Any) -> Any:
        """Restrict to the projects asked for; with none named, every row is wanted anyway."""
        return col(column).in_(ids) if codes else true()

    indicators = _indicators(session, only, {p.id: p.code for p in projects}, ids if codes else None)
    items = _items(session, only)
    sources = _sources(session, only)
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
            indicators=tuple(indicators[p.id]),
            items=tuple(ItemFacts(p.code, *rest) for rest in items[p.id]),
            sources=tuple(sources[p.id]),
            filings=dict(filings[p.id]),
            settings=_settings(p.alert_settings),
        )
        for p in projects
    ]


def _settings(raw: dict[str, Any]) -> AlertSettings:
    offsets = raw.get("reminder_workdays")
    return AlertSettings(
        reminder_workdays=tuple(int(n) for n in offsets) if offsets else None,
        escalate_after_workdays=raw.get("escalate_after_workdays"),
        checkin_every_months=raw.get("checkin_every_months"),
    )


def _indicators(
    session: Session, only: Any, codes: dict[Any, str], ids: list[Any] | None
) -> dict[int | None, list[IndicatorFacts]]:
    targets: dict[int, dict[int, float]] = defaultdict(dict)
    towns: dict[int, dict[tuple[int | None, str], float]] = defaultdict(dict)
    for t in session.exec(
        select(IndicatorTarget).join(Indicator).where(only(Indicator.project_id))
    ):  # fmt: skip
        if t.town is None and t.year is not None:
            targets[t.indicator_id][t.year] = t.value
        elif t.town is not None:
            towns[t.indicator_id][(t.year, t.town)] = t.value
    values, town_values, sources = _figures(session, only, ids)
    proofs = dict(
        session.exec(
            select(Evidence.id, Evidence.sha256)
            .join(Indicator, col(Indicator.done_evidence_id) == Evidence.id)
            .where(only(Indicator.project_id))
        ).all()
    )
    grouped: dict[int | None, list[IndicatorFacts]] = defaultdict(list)
    # Columns, not ORM objects: tens of thousands of indicators nationally, read once.
    columns = select(*Indicator.__table__.columns)  # type: ignore[attr-defined]
    for row in session.exec(columns.where(only(Indicator.project_id)).order_by(Indicator.code)):
        i = row.id or 0
        grouped[row.project_id].append(
            IndicatorFacts(
                project=codes[row.project_id],
                code=row.code,
                name=row.name,
                kind=row.kind,
                binding=row.binding,
                unit=row.unit,
                comparator=row.comparator,
                target=row.target,
                target_high=row.target_high,
                period=row.period,
                due=row.due,
                done=row.done,
                done_on=row.done_at.astimezone(OFFICE_TZ).date() if row.done_at else None,
                done_evidence=proofs.get(row.done_evidence_id) if row.done_evidence_id else None,
                persons=tuple(row.responsible_persons),
                responsible_unit=row.responsible_unit,
                year_targets=targets.get(i, {}),
                town_targets=towns.get(i, {}),
                values=values.get(i, ()),
                town_values=town_values.get(i, {}),
                sources=tuple(sorted(sources.get(i, ()))),
                source=row.source_code,
                pace=tuple(row.pace),
                base=row.base_code,
                reference=row.reference_code,
            )
        )
    return grouped


def _figures(session: Session, only: Any, ids: list[Any] | None) -> tuple[Any, Any, Any]:
    """Latest revision per (indicator, month, town), in month order, with where each came from.

    This is the one big scan (millions of rows nationally), so it goes through the driver's cursor
    with plain SQL, and each indicator's rows are transposed into columns by ``zip`` — the
    per-figure work stays in C.
    """
    where = ""
    if ids is not None:
        # Plan ids are integers from our own rows, so inlining them is safe and keeps this one query.
        where = f" AND m.indicator_id IN (SELECT id FROM indicator WHERE project_id IN ({_ints(ids)}))"
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        "SELECT m.indicator_id, m.month, m.value, m.cumulative, COALESCE(m.source_code, m.origin) "
        f"FROM measurement m WHERE m.town IS NULL{where} ORDER BY m.indicator_id, m.month, m.town, m.revision"
    )
    rows = chain.from_iterable(iter(partial(cursor.fetchmany, 20_000), []))
    values: dict[int, Series] = {}
    origins: dict[int, set[str]] = {}
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # most indicators report the same months
    for indicator_id, group in groupby(rows, key=itemgetter(0)):
        _, months, amounts, flags, sources = zip(*group, strict=True)
        if len(set(months)) < len(months):  # revisions: the last one of each month counts
            latest = dict(zip(months, zip(amounts, flags, strict=True), strict=True))
            months, (amounts, flags) = tuple(latest), tuple(zip(*latest.values(), strict=True))
        values[indicator_id] = Series(shared.setdefault(months, months), amounts, tuple(map(bool, flags)))
        origins[indicator_id] = set(sources)
    cursor.execute(
        "SELECT m.indicator_id, m.month, m.town, m.value, m.cumulative, COALESCE(m.source_code, m.origin) "
        f"FROM measurement m WHERE m.town IS NOT NULL{where} ORDER BY m.indicator_id, m.month, m.revision"
    )
    towns: dict[int, dict[str, dict[str, MonthValue]]] = defaultdict(lambda: defaultdict(dict))
    for indicator_id, month, town, value, cumulative, source in cursor.fetchall():
        towns[indicator_id][town][month] = MonthValue(month, value, bool(cumulative))
        origins.setdefault(indicator_id, set()).add(source)
    cursor.close()
    town_values = {
        i: {town: Series.of(by_month.values()) for town, by_month in by_town.items()}
        for i, by_town in towns.items()
    }
    return values, town_values, origins


def _ints(ids: list[Any]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def _items(session: Session, only: Any) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    query = (
        select(*RectificationItem.__table__.columns)  # type: ignore[attr-defined]
        .where(only(RectificationItem.project_id))
        .order_by(RectificationItem.project_id, RectificationItem.batch, RectificationItem.id)
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
        .group_by(CollectionAttempt.project_id, CollectionAttempt.source_code)
    ):
        stats[(project_id, code)] = (last_ok, first)
    newest = (
        select(func.max(CollectionAttempt.id))
        .where(only(CollectionAttempt.project_id))
        .group_by(CollectionAttempt.project_id, CollectionAttempt.source_code)
    )
    failed = {
        (a.project_id, a.source_code): a.error or "采集失败"
        for a in session.exec(select(CollectionAttempt).where(col(CollectionAttempt.id).in_(newest)))
        if not a.ok
    }
    grouped: dict[int, list[SourceFacts]] = defaultdict(list)
    for s in session.exec(select(Source).where(only(Source.project_id)).order_by(Source.code)):
        last_ok, first = stats.get((s.project_id, s.code), (None, None))
        grouped[s.project_id].append(
            SourceFacts(
                code=s.code,
                kind=s.kind,
                name=s.name,
                last_ok=_office_date(_aware(last_ok)),
                first_attempt=_office_date(_aware(first)),
                failed_error=failed.get((s.project_id, s.code)),
            )
        )
    return grouped


def _aware(value: Any) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC text or datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _office_date(value: datetime | None) -> Any:
    return value.astimezone(OFFICE_TZ).date() if value else None
