"""Read the plan and its latest figures into the plain facts the evaluation works on.

One query per table for all the projects asked for, grouped in Python: a national run (thousands
of projects, millions of figures) costs a handful of scans, not a query per project. Columns are
selected explicitly rather than as ORM objects, which would cost far more per row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, true
from sqlmodel import Session, col, select

from bot.facts import (
    AlertSettings,
    IndicatorFacts,
    ItemFacts,
    MonthValue,
    ProjectFacts,
    SourceFacts,
)
from bot.workdays import OFFICE_TZ
from db.models import (
    CollectionAttempt,
    Evidence,
    Indicator,
    IndicatorTarget,
    Measurement,
    Project,
    RectificationItem,
    ReportFiling,
    Source,
)


def load_projects(session: Session, codes: list[str] | None = None) -> list[ProjectFacts]:
    query = select(Project).order_by(Project.code)
    if codes:
        query = query.where(col(Project.code).in_(codes))
    projects = list(session.exec(query))
    ids = [p.id for p in projects]

    def only(column: Any) -> Any:
        """Restrict to the projects asked for; with none named, every row is wanted anyway."""
        return col(column).in_(ids) if codes else true()

    indicators = _indicators(session, only, {p.id: p.code for p in projects})
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


def _indicators(session: Session, only: Any, codes: dict[Any, str]) -> dict[int | None, list[IndicatorFacts]]:
    targets: dict[int, dict[int, float]] = defaultdict(dict)
    towns: dict[int, dict[tuple[int | None, str], float]] = defaultdict(dict)
    for t in session.exec(
        select(IndicatorTarget).join(Indicator).where(only(Indicator.project_id))
    ):  # fmt: skip
        if t.town is None and t.year is not None:
            targets[t.indicator_id][t.year] = t.value
        elif t.town is not None:
            towns[t.indicator_id][(t.year, t.town)] = t.value
    values, town_values, sources = _figures(session, only)
    proofs = dict(
        session.exec(
            select(Evidence.id, Evidence.sha256)
            .join(Indicator, col(Indicator.done_evidence_id) == Evidence.id)
            .where(only(Indicator.project_id))
        ).all()
    )
    grouped: dict[int | None, list[IndicatorFacts]] = defaultdict(list)
    for row in session.exec(select(Indicator).where(only(Indicator.project_id)).order_by(Indicator.code)):
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


def _figures(session: Session, only: Any) -> tuple[Any, Any, Any]:
    """Latest revision per (indicator, month, town), in month order, with where each came from."""
    latest: dict[tuple[int, str | None], dict[str, MonthValue]] = defaultdict(dict)
    origins: dict[int, set[str]] = defaultdict(set)
    months: dict[str, str] = {}  # one string object per month: millions of figures share a few
    query = (
        select(
            Measurement.indicator_id,
            Measurement.month,
            Measurement.town,
            Measurement.value,
            Measurement.cumulative,
            Measurement.source_code,
            Measurement.origin,
        )
        .join(Indicator)
        .where(only(Indicator.project_id))
        .order_by(Measurement.indicator_id, Measurement.month, Measurement.town, Measurement.revision)
    )
    for indicator_id, month, town, value, cumulative, source, origin in session.exec(query):
        month = months.setdefault(month, month)
        latest[(indicator_id, town)][month] = MonthValue(month, value, bool(cumulative))
        origins[indicator_id].add(source or origin.value)
    values: dict[int, tuple[MonthValue, ...]] = {}
    town_values: dict[int, dict[str, tuple[MonthValue, ...]]] = defaultdict(dict)
    for (indicator_id, town), by_month in latest.items():
        series = tuple(by_month[m] for m in sorted(by_month))
        if town is None:
            values[indicator_id] = series
        else:
            town_values[indicator_id][town] = series
    return values, town_values, origins


def _items(session: Session, only: Any) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    query = (
        select(RectificationItem)
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
