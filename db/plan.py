"""Write a validated plan into the database, idempotently.

Rows are matched by their natural keys (project code; person name; channel, source and indicator
code; item batch + number). Importing the same file twice changes nothing. A changed row is
updated in place; a rectification item keeps its status once closed in duban (an import never
reopens an item that was signed off), and every change to an item is written to ``ItemChange``.
The caller owns the transaction: a file that fails half-way is rolled back whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, delete, func, select

from db.models import (
    Channel,
    Indicator,
    IndicatorTarget,
    ItemChange,
    Person,
    Project,
    RectificationItem,
    Source,
    Subscription,
)
from db.types import code_point_order, utcnow
from domain.enums import ItemStatus
from domain.plan.schema import IndicatorSpec, ItemSpec, PlanSpec
from domain.workdays import OFFICE_TZ

Row = TypeVar("Row", bound=SQLModel)


@dataclass
class ImportReport:
    path: Path
    project: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # names that look alike (PlanSpec.name_warnings)
    format_version: int | None = None  # the plan format version the file was read as (None: a ledger)
    target: str = "项目"  # what ``project`` names: a project, or a rule set (规则集)

    def count(self, bucket: dict[str, int], table: str) -> None:
        bucket[table] = bucket.get(table, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def import_plan(
    session: Session, plan: PlanSpec, path: Path, *, batch_grades: list[dict[str, Any]] | None = None
) -> ImportReport:
    """Write ``plan``; ``batch_grades``: the grade bands of the rule-set batches it applies, used
    when the plan gives none of its own (the batches' requirements are applied by :mod:`db.rules`)."""
    spec = plan.project
    project = project_by_code(session, code=spec.code)
    report = ImportReport(path, spec.code, format_version=plan.format_version)
    values = spec.model_dump() | {
        "source_file": path.name,
        "alert_settings": plan.alerts.model_dump(exclude_none=True) if plan.alerts else {},
        "rectification_issued": plan.rectification.issued if plan.rectification else None,
        "applies": list(plan.applies),
        "grade_bands": [g.model_dump() for g in plan.grades] or list(batch_grades or []),
    }
    project = _upsert(session, report, Project, project, values)
    assert project.id is not None
    people = {
        p.name: _upsert(
            session,
            report,
            Person,
            _find(session, Person, project.id, name=p.name),
            p.model_dump() | {"project_id": project.id},
        )
        for p in plan.people
    }
    for c in plan.channels:
        values = c.model_dump(exclude={"members"}) | {"project_id": project.id}
        channel = _upsert(session, report, Channel, _find(session, Channel, project.id, code=c.code), values)
        _sync_members(session, channel, [people[name] for name in c.members])
    for s in plan.sources:
        values = s.model_dump() | {"project_id": project.id}
        _upsert(session, report, Source, _find(session, Source, project.id, code=s.code), values)
    for i in plan.indicators:
        import_indicator(session, report, project.id, i)
    if plan.rectification:
        for item in plan.rectification.items:
            import_item(session, report, project.id, item, reason=f"导入 {path.name}")
    return report


def import_indicator(
    session: Session,
    report: ImportReport,
    project_id: int,
    spec: IndicatorSpec,
    *,
    ruleset: str | None = None,
) -> Indicator:
    """Create or update one indicator (and its year targets); ``ruleset`` names the batch it came from."""
    values = spec.model_dump(exclude={"targets", "source", "base", "reference", "window", "recurs"}) | {
        "project_id": project_id,
        "source_code": spec.source,
        "base_code": spec.base,
        "reference_code": spec.reference,
        "ruleset": ruleset,
        "window_start": spec.window.start if spec.window else None,
        "window_end": spec.window.end if spec.window else None,
        "recurs": spec.recurs.every if spec.recurs else None,
        "grace_days": spec.recurs.grace_days if spec.recurs else 0,
    }
    indicator = _upsert(
        session, report, Indicator, _find(session, Indicator, project_id, code=spec.code), values
    )
    _sync_targets(session, report, indicator, [t.model_dump() for t in spec.targets])
    return indicator


@dataclass(frozen=True)
class ItemDiff:
    """What importing one item would do: create it, or change these fields (old, new), or nothing."""

    spec: ItemSpec
    existing: RectificationItem | None
    values: dict[str, Any]  # the row as it would be written
    changes: dict[str, list[Any]]  # field → [old, new], as stored in ``ItemChange``

    @property
    def new(self) -> bool:
        return self.existing is None


def item_diff(session: Session, project_id: int, spec: ItemSpec) -> ItemDiff:
    """What :func:`import_item` would write for ``spec``, read without writing (the ledger preview)."""
    existing = _find(session, RectificationItem, project_id, batch=spec.batch, number=spec.number)
    values: dict[str, Any] = spec.model_dump(exclude={"closed_on"}) | {"project_id": project_id}
    if existing is not None and existing.status is ItemStatus.CLOSED:
        values["status"] = ItemStatus.CLOSED
    if spec.closed_on is not None:
        values["closed_at"] = datetime.combine(spec.closed_on, time(), tzinfo=OFFICE_TZ)
    elif values["status"] is ItemStatus.CLOSED and (existing is None or existing.closed_at is None):
        values["closed_at"] = utcnow()
    before = {k: getattr(existing, k) for k in values} if existing is not None else {}
    changes = {
        k: [_plain(before.get(k)), _plain(v)]
        for k, v in values.items()
        if k != "closed_at" and before.get(k) != v
    }
    return ItemDiff(spec, existing, values, changes)


def import_item(
    session: Session, report: ImportReport, project_id: int, spec: ItemSpec, *, reason: str
) -> RectificationItem:
    """Create or update one item as :func:`item_diff` says; a closed item stays closed, and
    changes are recorded."""
    diff = item_diff(session, project_id, spec)
    item = _upsert(session, report, RectificationItem, diff.existing, diff.values)
    if diff.changes:
        assert item.id is not None
        reason = reason if diff.existing else f"{reason}（新建）"
        record_item_change(session, item_id=item.id, reason=reason, changes=diff.changes)
    return item


def record_item_change(
    session: Session, *, item_id: int, reason: str, changes: dict[str, Any], at: datetime | None = None
) -> None:
    """The one writer of ``ItemChange``: what changed on an item, why, and when (default: now)."""
    change = ItemChange(item_id=item_id, reason=reason, changes=changes)
    if at is not None:
        change.at = at
    session.add(change)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _find(session: Session, model: type[Row], project_id: int, **keys: Any) -> Row | None:
    query = select(model).where(model.project_id == project_id)  # type: ignore[attr-defined]
    for name, value in keys.items():
        query = query.where(getattr(model, name) == value)
    return session.exec(query).first()


def _upsert(
    session: Session, report: ImportReport, model: type[Row], row: Row | None, values: dict[str, Any]
) -> Row:
    table = str(model.__tablename__)
    if row is None:
        row = model(**values)
        session.add(row)
        session.flush()
        report.count(report.created, str(table))
        return row
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        session.add(row)
        session.flush()
        report.count(report.updated, str(table))
    return row


def _sync_members(session: Session, channel: Channel, members: list[Person]) -> None:
    wanted = {p.id for p in members}
    current = set(session.exec(select(Subscription.person_id).where(Subscription.channel_id == channel.id)))
    for person_id in current - wanted:
        session.exec(
            delete(Subscription).where(
                col(Subscription.channel_id) == channel.id, col(Subscription.person_id) == person_id
            )
        )
    for new_id in wanted - current:
        assert channel.id is not None and new_id is not None
        session.add(Subscription(channel_id=channel.id, person_id=new_id))


def _sync_targets(
    session: Session, report: ImportReport, indicator: Indicator, targets: list[dict[str, Any]]
) -> None:
    current = session.exec(select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id)).all()
    as_dicts = [{"year": t.year, "town": t.town, "value": t.value, "high": t.high} for t in current]
    if as_dicts == targets:
        return
    for row in current:
        session.delete(row)
    for target in targets:
        assert indicator.id is not None
        session.add(IndicatorTarget(indicator_id=indicator.id, **target))
    report.count(report.updated, "indicatortarget")


def close_item(
    session: Session, *, item: RectificationItem, result: str, evidence_id: int | None, now: datetime
) -> None:
    """销号 by hand: the item is closed with its result (and proof, if any), and the change recorded."""
    assert item.id is not None
    changes = {"status": [item.status.value, ItemStatus.CLOSED.value], "result": [item.result, result]}
    record_item_change(session, item_id=item.id, reason="销号", changes=changes, at=now)
    item.status, item.closed_at, item.result = ItemStatus.CLOSED, now, result
    item.evidence_id = evidence_id or item.evidence_id
    session.add(item)


# --- reading the plan -------------------------------------------------------------------------


def project_by_code(session: Session, *, code: str) -> Project | None:
    return session.exec(select(Project).where(Project.code == code)).first()


def project_ids(session: Session, *, codes: list[str] | None = None) -> dict[str, int | None]:
    """Project code → id, for ``codes`` (every project when None)."""
    query = select(Project)
    if codes is not None:
        query = query.where(col(Project.code).in_(codes))
    return {p.code: p.id for p in session.exec(query)}


def project_codes(session: Session) -> list[str]:
    """Every project code, in the database's own order."""
    return list(session.exec(select(Project.code)))


def projects(session: Session) -> list[Project]:
    """Every project, in code-point order of its code."""
    return list(session.exec(select(Project).order_by(code_point_order(Project.code))))


def indicator_by_code(session: Session, *, project_id: int, code: str) -> Indicator | None:
    return session.exec(
        select(Indicator).where(Indicator.project_id == project_id, Indicator.code == code)
    ).first()


def indicator_count(session: Session, *, project_id: int | None) -> int:
    query = select(func.count()).select_from(Indicator).where(Indicator.project_id == project_id)
    return int(session.exec(query).one())


def item_by_number(session: Session, *, project_id: int, batch: str, number: str) -> RectificationItem | None:
    return _find(session, RectificationItem, project_id, batch=batch, number=number)


def items_of(
    session: Session, *, project_id: int | None = None, code: str | None = None
) -> list[RectificationItem]:
    """A project's rectification items (by id or by code), in the order they were created."""
    query = select(RectificationItem)
    if code is not None:
        query = query.join(Project).where(Project.code == code)
    if project_id is not None:
        query = query.where(RectificationItem.project_id == project_id)
    return list(session.exec(query.order_by(col(RectificationItem.id))).all())


def source_rows(
    session: Session, *, project: str | None = None, source: str | None = None
) -> list[tuple[int, str, str, str, dict[str, Any]]]:
    """(project id, project code, source code, kind, settings) of every matching source."""
    query = sa_select(Project.id, Project.code, Source.code, Source.kind, Source.settings).join(  # type: ignore[call-overload]
        Source, Source.project_id == Project.id
    )
    if project:
        query = query.where(Project.code == project)
    if source:
        query = query.where(Source.code == source)
    return list(
        session.execute(query.order_by(code_point_order(Project.code), code_point_order(Source.code))).all()
    )


def source_feeds(
    session: Session, *, project_ids: set[int]
) -> list[tuple[int, str, str, str | None, str, str | None]]:
    """(project id, source code, indicator code, source field, name, unit) of every indicator a
    source feeds, in the order the indicators were created."""
    query = sa_select(  # type: ignore[call-overload]
        Indicator.project_id,
        Indicator.source_code,
        Indicator.code,
        Indicator.source_field,
        Indicator.name,
        Indicator.unit,
    ).where(col(Indicator.source_code).is_not(None), col(Indicator.project_id).in_(project_ids))
    return list(session.execute(query.order_by(Indicator.id)).all())


def indicator_ids(session: Session, *, project_ids: set[int]) -> dict[tuple[int, str], dict[str, int]]:
    """(project id, source code) → {indicator code: id} for every indicator a source feeds."""
    query = sa_select(Indicator.project_id, Indicator.source_code, Indicator.code, Indicator.id).where(  # type: ignore[call-overload]
        col(Indicator.source_code).is_not(None), col(Indicator.project_id).in_(project_ids)
    )
    ids: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for project_id, source_code, code, indicator_id in session.execute(query):
        ids[(project_id, source_code)][code] = indicator_id
    return ids
