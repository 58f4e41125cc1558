"""The outbox: messages waiting to be sent (``delivery``) and the send attempts that pace them.

Every new outbox row goes in through :func:`queue_delivery`, whoever queues it (digests, summaries,
administrator alerts, test messages). A row is deduplicated by its ``dedup_key``: ask
:func:`is_queued` first, before rendering a message that would not be kept. Data-access functions
in the house style: keyword-only, given the session, no commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from db.alerts import KEYS_PER_QUERY
from db.models import Delivery, SendAttempt
from domain.enums import DeliveryStatus


def is_queued(session: Session, *, dedup_key: str) -> bool:
    """Whether a row with ``dedup_key`` is already in the outbox (whatever its status)."""
    return session.exec(select(Delivery.id).where(Delivery.dedup_key == dedup_key)).first() is not None


def queued_among(session: Session, *, dedup_keys: list[str]) -> set[str]:
    """Which of ``dedup_keys`` are already in the outbox: :func:`is_queued` for many at once."""
    found: set[str] = set()
    for start in range(0, len(dedup_keys), KEYS_PER_QUERY):
        chunk = dedup_keys[start : start + KEYS_PER_QUERY]
        found.update(session.exec(select(Delivery.dedup_key).where(col(Delivery.dedup_key).in_(chunk))))
    return found


def queue_delivery(session: Session, **columns: Any) -> Delivery:
    """Add one outbox row (keyword columns of :class:`Delivery`); the caller checked :func:`is_queued`."""
    delivery = Delivery(**columns)
    session.add(delivery)
    return delivery


def save_delivery(session: Session, *, delivery: Delivery) -> None:
    """Keep the changes made to a row read in this session (status, parts sent, errors…)."""
    session.add(delivery)


def delivery_by_id(session: Session, *, delivery_id: int) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def _due(now: datetime) -> Any:
    return (col(Delivery.status) == DeliveryStatus.PENDING) & (col(Delivery.next_attempt_at) <= now)


def due_count(session: Session, *, now: datetime) -> int:
    """How many pending rows are due at ``now``."""
    return int(session.exec(select(func.count()).select_from(Delivery).where(_due(now))).one())


def due_ids(session: Session, *, now: datetime) -> list[int]:
    """The ids of the pending rows due at ``now``, oldest first."""
    rows = session.exec(select(Delivery.id).where(_due(now)).order_by(col(Delivery.id))).all()
    return [i for i in rows if i is not None]


def claimable(session: Session, *, delivery_id: int) -> Delivery | None:
    """The row ``delivery_id``, locked for this transaction — or None while another sender holds
    it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, where several instances send; SQLite has one
    sender and no such clause)."""
    query = select(Delivery).where(col(Delivery.id) == delivery_id).with_for_update(skip_locked=True)
    return session.exec(query).first()


def lock_part(session: Session, *, delivery_id: int, parts_sent: int) -> Delivery | None:
    """The pending row ``delivery_id`` if its next part is still part ``parts_sent`` and no other
    sender is sending it; locked until this transaction ends (``FOR UPDATE SKIP LOCKED``).

    Whoever holds this lock sends that one part and records it before committing, so two
    instances never send the same part, however their leases overlap.
    """
    query = (
        select(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.parts_sent) == parts_sent,
        )
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).first()


def take_lease(session: Session, *, delivery_id: int, at: datetime, until: datetime) -> bool:
    """Compare-and-set: claim a pending row due at ``at`` until ``until``, counting an attempt.

    Of two senders exactly one gets True.
    """
    taken: Any = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.next_attempt_at) <= at,
        )
        .values(attempts=col(Delivery.attempts) + 1, next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount == 1)


def attempts_since(session: Session, *, rate_key: str, since: datetime) -> list[datetime]:
    """When requests to the endpoint ``rate_key`` were made after ``since``."""
    query = select(SendAttempt.at).where(SendAttempt.rate_key == rate_key, col(SendAttempt.at) > since)
    return list(session.exec(query).all())


def record_attempt(session: Session, *, rate_key: str, at: datetime) -> None:
    session.add(SendAttempt(rate_key=rate_key, at=at))


def forget_attempts(session: Session, *, before: datetime) -> None:
    """Drop send attempts older than ``before``: no rate window reaches back that far."""
    session.execute(delete(SendAttempt).where(col(SendAttempt.at) < before))
