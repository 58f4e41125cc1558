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

from db.figures import in_chunks
from db.models import Delivery, SendAttempt
from domain.enums import DeliveryStatus


def is_queued(session: Session, *, dedup_key: str) -> bool:
    """Whether a row with ``dedup_key`` is already in the outbox (whatever its status)."""
    return session.exec(select(Delivery.id).where(Delivery.dedup_key == dedup_key)).first() is not None


def queued_among(session: Session, *, dedup_keys: list[str]) -> set[str]:
    """Which of ``dedup_keys`` are already in the outbox: :func:`is_queued` for many at once."""
    found: set[str] = set()
    for chunk in in_chunks(dedup_keys):
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


def claim_due(
    session: Session, *, due_by: datetime, until: datetime, limit: int, ids: list[int] | None = None
) -> list[Delivery]:
    """Claim up to ``limit`` pending rows due at ``due_by`` (of ``ids`` if given), oldest first,
    in one statement: each gets a lease until ``until`` and one attempt more.

    Compare-and-set, so of two senders exactly one gets a row; on PostgreSQL rows another sender
    is claiming or sending right now are skipped (``FOR UPDATE SKIP LOCKED``), not waited for.
    """
    chosen = select(Delivery.id).where(_due(due_by))
    if ids is not None:
        chosen = chosen.where(col(Delivery.id).in_(ids))
    # A materialised CTE, picked once: PostgreSQL may run a LIMIT subquery under IN more than
    # once, and each run skips the rows the last one locked, so the batch would outgrow ``limit``.
    batch = (
        chosen.order_by(col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("batch")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claimed = session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(select(batch.c.id)), _due(due_by))
        .values(attempts=col(Delivery.attempts) + 1, next_attempt_at=until)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars(), key=lambda row: row.id or 0)


def lock_part(session: Session, *, delivery_id: int, parts_sent: int) -> bool:
    """Whether the pending row ``delivery_id`` still has part ``parts_sent`` next and no other
    sender is sending it; if so it stays locked until this transaction ends (``FOR UPDATE SKIP
    LOCKED``; SQLite has one sender and no such clause).

    Whoever holds this lock sends that one part and records it before committing, so two
    instances never send the same part, however their leases overlap.
    """
    query = (
        select(Delivery.id)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.parts_sent) == parts_sent,
        )
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).first() is not None


def _still_held(delivery_id: int, parts_sent: int, held_until: datetime) -> Any:
    """The row, if it is still pending at part ``parts_sent`` under the lease ``held_until`` (nobody
    claimed it since) and no other sender is sending a part of it right now."""
    free = select(Delivery.id).where(col(Delivery.id) == delivery_id).with_for_update(skip_locked=True)
    return (
        col(Delivery.id).in_(free.scalar_subquery())
        & (col(Delivery.status) == DeliveryStatus.PENDING)
        & (col(Delivery.parts_sent) == parts_sent)
        & (col(Delivery.next_attempt_at) == held_until)
    )


def renew_lease(
    session: Session, *, delivery_id: int, parts_sent: int, held_until: datetime, until: datetime
) -> bool:
    """Compare-and-set: extend this sender's lease ``held_until`` on the row to ``until``; False
    when another sender claimed the row since, or is sending a part of it right now."""
    renewed: Any = session.execute(
        update(Delivery)
        .where(_still_held(delivery_id, parts_sent, held_until))
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return bool(renewed.rowcount == 1)


def record_parts(session: Session, *, delivery_id: int, **columns: Any) -> None:
    """Write what a sender holding the row's lock (:func:`lock_part`) learnt: keyword columns of
    :class:`Delivery` (parts accepted, note, status, next attempt…), in one statement."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(**columns)
        .execution_options(synchronize_session=False)
    )


def put_off(
    session: Session, *, delivery_id: int, parts_sent: int, held_until: datetime, until: datetime
) -> None:
    """Leave a row this sender claimed (lease ``held_until``) until ``until``, the claim not
    counted as an attempt: it was never tried (its endpoint failed a moment ago). A row another
    sender took meanwhile is left to it."""
    session.execute(
        update(Delivery)
        .where(_still_held(delivery_id, parts_sent, held_until))
        .values(next_attempt_at=until, attempts=col(Delivery.attempts) - 1)
        .execution_options(synchronize_session=False)
    )


def attempts_since(session: Session, *, rate_key: str, since: datetime) -> list[datetime]:
    """When requests to the endpoint ``rate_key`` were made after ``since``."""
    query = select(SendAttempt.at).where(SendAttempt.rate_key == rate_key, col(SendAttempt.at) > since)
    return list(session.exec(query).all())


def record_attempt(session: Session, *, rate_key: str, at: datetime) -> None:
    session.add(SendAttempt(rate_key=rate_key, at=at))


def forget_attempts(session: Session, *, before: datetime) -> None:
    """Drop send attempts older than ``before``: no rate window reaches back that far."""
    session.execute(delete(SendAttempt).where(col(SendAttempt.at) < before))
