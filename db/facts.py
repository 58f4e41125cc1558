"""Read the plan and its latest figures into the plain facts the evaluation works on."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from bot.facts import IndicatorFacts, ItemFacts, MonthValue, ProjectFacts
from db.models import (
    CollectionAttempt,
    Indicator,
    IndicatorTarget,
    Measurement,
    Project,
    RectificationItem,
)


def load_projects(session: Session, codes: list[str] | None = None) -> list[ProjectFacts]:
    query = select(Project).order_by(Project.code)
    if codes:
        query = query.where(col(Project.code).in_(codes))
    return [_project(session, project) for project in session.exec(query)]


def _project(session: Session, project: Project) -> ProjectFacts:
    indicators = session.exec(
        select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.code)
    ).all()
    ids = [i.id for i in indicators]
    targets: dict[int, dict[int, float]] = defaultdict(dict)
    for t in session.exec(select(IndicatorTarget).where(col(IndicatorTarget.indicator_id).in_(ids))):
        if t.year is not None and t.town is None:
            targets[t.indicator_id][t.year] = t.value
    latest: dict[int, dict[str, Measurement]] = defaultdict(dict)
    rows = session.exec(
        select(Measurement)
        .where(col(Measurement.indicator_id).in_(ids), col(Measurement.town).is_(None))
        .order_by(col(Measurement.revision))
    )
    for m in rows:
        latest[m.indicator_id][m.month] = m  # later revisions overwrite earlier ones
    items = session.exec(
        select(RectificationItem)
        .where(RectificationItem.project_id == project.id)
        .order_by(RectificationItem.batch, RectificationItem.id)
    ).all()
    return ProjectFacts(
        code=project.code,
        name=project.name,
        plan_start=project.plan_start,
        plan_end=project.plan_end,
        indicators=tuple(
            _indicator(project.code, i, targets[i.id or 0], latest[i.id or 0]) for i in indicators
        ),
        items=tuple(
            ItemFacts(
                project=project.code,
                batch=r.batch,
                number=r.number,
                problem=r.problem,
                persons=tuple(r.persons),
                units=tuple(r.units),
                deadline=r.deadline,
                deadline_text=r.deadline_text,
                ongoing=r.ongoing,
                status=r.status,
            )
            for r in items
        ),
        failed_sources=_failed_sources(session, project),
    )


def _indicator(
    project: str, row: Indicator, targets: dict[int, float], months: dict[str, Measurement]
) -> IndicatorFacts:
    ordered = [months[m] for m in sorted(months)]
    return IndicatorFacts(
        project=project,
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
        persons=tuple(row.responsible_persons),
        responsible_unit=row.responsible_unit,
        year_targets=dict(targets),
        values=tuple(MonthValue(m.month, m.value, m.cumulative) for m in ordered),
        sources=tuple(sorted({m.source_code or m.origin.value for m in ordered})),
    )


def _failed_sources(session: Session, project: Project) -> tuple[tuple[str, str], ...]:
    """Sources whose most recent attempt failed, with the error it gave."""
    latest: dict[str, CollectionAttempt] = {}
    for attempt in session.exec(
        select(CollectionAttempt)
        .where(CollectionAttempt.project_id == project.id)
        .order_by(col(CollectionAttempt.id))
    ):
        latest[attempt.source_code] = attempt
    return tuple((code, a.error or "") for code, a in sorted(latest.items()) if not a.ok)
