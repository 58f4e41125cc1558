"""Deliver the outbox: each pending message to its channel, marked sent only once accepted.

A retryable failure waits with exponential backoff; a permanent one marks the message dead for an
administrator to look at. Each message's outcome is committed on its own, so a crash re-sends at
most the one message that was in flight (at-least-once; see README).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.errors import DeliveryError
from db.engine import session_scope
from db.enums import ChannelKind, DeliveryStatus
from db.models import Channel, Delivery
from notifiers.base import Format, Message, Notifier

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DeliverResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_pending(
    engine: Engine, notifier_for: Callable[[Channel | None], Notifier], *, now: datetime
) -> DeliverResult:
    result = DeliverResult()
    with session_scope(engine) as session:
        due = session.exec(
            select(Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.next_attempt_at <= now,
            )
            .order_by(col(Delivery.id))
        ).all()
    for delivery_id in due:
        with session_scope(engine) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.PENDING:
                continue  # another sender took it
            channel = session.get(Channel, delivery.channel_id) if delivery.channel_id else None
            message = Message(
                delivery_id=delivery_id or 0,
                channel=delivery.channel_code,
                channel_name=channel.name if channel else delivery.channel_code,
                subject=delivery.subject,
                body=delivery.body,
                format=Format.HTML if channel and channel.kind is ChannelKind.EMAIL else Format.MARKDOWN,
                mentions=tuple(delivery.mentions),
            )
            delivery.attempts += 1
            try:
                notifier_for(channel).send(message)
            except DeliveryError as error:
                delivery.last_error = str(error)
                if error.retryable:
                    delivery.next_attempt_at = now + backoff(delivery.attempts)
                    result.retrying += 1
                else:
                    delivery.status = DeliveryStatus.DEAD
                    result.dead += 1
                log.warning("%s", error)
            else:
                delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, None
                result.sent += 1
            session.add(delivery)
    return result
