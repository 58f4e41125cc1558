"""What happened to one rectification item, read for its page: changes, reminders, alert events.

Read-only. Reminders are outbox rows whose alert keys fall under the item's key prefix; the keys
are a JSON list, so the project's rows are read and matched here.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.alerts import alerts_under
from db.models import AlertEvent, Channel, Delivery, Evidence, ItemChange, Person, RectificationItem


def item_by_id(session: Session, *, item_id: int) -> RectificationItem | None:
    return session.get(RectificationItem, item_id)


def changes_of(session: Session, *, item_id: int) -> list[ItemChange]:
    query = select(ItemChange).where(ItemChange.item_id == item_id).order_by(col(ItemChange.id))
    return list(session.exec(query).all())


def reminders_about(session: Session, *, project_id: int, prefix: str) -> list[Delivery]:
    """The messages that reported anything under ``prefix`` (an item's alert keys), oldest first."""
    query = select(Delivery).where(Delivery.project_id == project_id).order_by(col(Delivery.id))
    return [d for d in session.exec(query).all() if any(k.startswith(prefix) for k in d.alert_keys)]


def channel_names(session: Session, *, project_id: int) -> dict[str, str]:
    """The project's channels, code → the name people know them by (工作群, 领导小组邮箱 …)."""
    rows = session.exec(select(Channel.code, Channel.name).where(Channel.project_id == project_id)).all()
    return {code: name or code for code, name in rows}


def events_about(session: Session, *, project_id: int, prefix: str) -> list[AlertEvent]:
    """Every transition of the item's alerts (acknowledged, silenced, resolved …), oldest first."""
    ids = [a.id for a in alerts_under(session, project_id=project_id, key=prefix) if a.id is not None]
    if not ids:
        return []
    query = select(AlertEvent).where(col(AlertEvent.alert_id).in_(ids)).order_by(col(AlertEvent.id))
    return list(session.exec(query).all())


def evidence_rows(session: Session, *, ids: list[int]) -> dict[int, Evidence]:
    if not ids:
        return {}
    rows = session.exec(select(Evidence).where(col(Evidence.id).in_(ids))).all()
    return {row.id: row for row in rows if row.id is not None}


def people_by_id(session: Session, *, ids: list[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    return {row.id: row for row in rows if row.id is not None}
