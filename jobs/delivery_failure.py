"""What a failed attempt leaves on its outbox row: a retry after an exponential backoff, or, for a
failure that will not pass (or one still failing after about an hour), the administrator told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from db import outbox
from db.models import Channel, Delivery
from domain.enums import DeliveryStatus
from domain.errors import DeliveryError
from jobs.admin_alert import STILL_FAILING_AFTER, AdminRoute, queue_admin_alert

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Failure:
    retry_at: datetime | None  # when the row is tried again; None: it is dead
    alert: Delivery | None  # the administrator's alert queued about it, if any


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def record_failure(
    session: Session,
    delivery_id: int,
    error: DeliveryError,
    channels: dict[int, Channel],
    admin: AdminRoute,
    now: datetime,
) -> Failure:
    """Write ``error`` on the row (which the caller's transaction holds locked) and queue the
    administrator's alert in the same transaction when one is due."""
    delivery = outbox.delivery_by_id(session, delivery_id=delivery_id)
    assert delivery is not None
    delivery.last_error = str(error)
    channel = channels.get(delivery.channel_id or 0)
    name = channel.name if channel else delivery.channel_code
    alert: Delivery | None = None
    if error.retryable:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        if delivery.attempts == STILL_FAILING_AFTER:  # say it once; retrying goes on
            alert = queue_admin_alert(session, delivery, name, error.problem, admin, now, stopped=False)
    else:
        delivery.status = DeliveryStatus.DEAD
        alert = queue_admin_alert(session, delivery, name, error.problem, admin, now)
    outbox.save_delivery(session, delivery=delivery)
    if alert is not None:
        session.flush()  # its id, for the sender to claim it in this run
    return Failure(None if delivery.status is DeliveryStatus.DEAD else delivery.next_attempt_at, alert)
