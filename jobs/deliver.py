"""Deliver the outbox: each pending message to its channel, part by part, paced, never lost.

Stages for one row: claim it (a lease, so a second sender leaves it alone) → cut it into parts →
for each part not yet accepted: lock the row at that part (``FOR UPDATE SKIP LOCKED``), wait for
the channel's rate window, record the attempt, send, record the acceptance and let the row go →
mark it sent. Every part commits on its own, so a crash resumes after the last part the channel
accepted (README: delivery guarantee), and senders in several instances share the outbox. A
retryable failure waits with exponential backoff (and holds back that endpoint's other rows for
this run); a permanent one marks the row DEAD and queues an administrator alert in the same
transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import outbox
from db.advisory import serialise_rate_key
from db.channels import channel_by_id
from db.engine import session_scope
from db.models import Channel, Delivery
from domain.enums import DeliveryStatus
from domain.errors import ConfigurationError, DeliveryError
from domain.secrets import mask
from jobs.admin_alert import ADMIN_KIND, STILL_FAILING_AFTER, AdminRoute, queue_admin_alert
from notifiers.base import Attachment, Format, Message, Notifier, Part
from notifiers.pacing import MARGIN, WINDOW, wait_needed
from notifiers.registry import FormatOf, builtin_format
from notifiers.wecom import redact

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
NOTE_SEPARATOR = "；"
# A row one sender is working on is left to it this long after its last part; a sender that died
# leaves it to the others after this. Each part is still sent under the row's lock, so a lease that
# runs out while its sender waits for a rate window costs no duplicate.
LEASE = timedelta(minutes=2)
# One sender at a time in a process (the scheduler's sweep, a refresh, a daily job): a process
# killed in the middle of a send leaves at most one part unrecorded.
_ONE_SENDER = threading.Lock()

Clock = Callable[[], datetime]


@dataclass
class DeliverResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    parts: int = 0  # requests the channels accepted
    waited: float = 0.0  # seconds spent waiting for rate windows
    admin_alerts: int = 0


@dataclass
class RateWaits:
    """This process's waits for rate windows since it started, read by ``/metrics``."""

    count: int = 0
    seconds: float = 0.0


RATE_WAITS = RateWaits()


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def elapsed_clock(now: datetime) -> Clock:
    """``now`` moving forward with the monotonic clock: the run's time, also for replayed days."""
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def deliver_pending(
    engine: Engine,
    notifier_for: Callable[[Channel | None], Notifier],
    *,
    now: datetime,
    clock: Clock | None = None,
    sleep: Callable[[float], None] = time.sleep,
    admin: AdminRoute | None = None,
    margin: timedelta = MARGIN,
    formats: FormatOf = builtin_format,
    lease: timedelta = LEASE,
) -> DeliverResult:
    """Send every row due at ``now``; waits for rate windows with ``sleep`` as ``clock`` runs.

    ``formats`` says how each channel kind's messages are written (the channel registry's);
    ``lease`` how long a row stays with this sender after its last part (:data:`LEASE`).
    """
    clock = clock or elapsed_clock(now)
    run = _Run(engine, notifier_for, clock, sleep, admin or AdminRoute(), margin, formats, lease)
    with _ONE_SENDER:
        with session_scope(engine) as session:
            outbox.forget_attempts(session, before=now - timedelta(hours=1))
            due = outbox.due_ids(session, now=now)
        run.loop(deque(due))
    return run.result


@dataclass
class _Work:
    notifier: Notifier
    message: Message
    parts: list[Part]
    done: int  # parts accepted so far


class _Run:
    def __init__(
        self,
        engine: Engine,
        notifier_for: Callable[[Channel | None], Notifier],
        clock: Clock,
        sleep: Callable[[float], None],
        admin: AdminRoute,
        margin: timedelta,
        formats: FormatOf = builtin_format,
        lease: timedelta = LEASE,
    ) -> None:
        self.engine, self.notifier_for, self.clock, self.sleep = engine, notifier_for, clock, sleep
        self.admin, self.margin, self.formats, self.lease = admin, margin, formats, lease
        self.result = DeliverResult()
        self.work: dict[int, _Work] = {}
        self.queue: deque[int] = deque()
        self.held: dict[str, datetime] = {}  # endpoints that failed retryably: retry no sooner than

    def loop(self, queue: deque[int]) -> None:
        """Round-robin over the rows so one robot's rate window does not hold up the others."""
        self.queue = queue
        waits: dict[int, float] = {}
        while queue:
            delivery_id = queue.popleft()
            wait = self.advance(delivery_id)
            if wait is None:
                waits.pop(delivery_id, None)
                continue
            waits[delivery_id] = wait
            queue.append(delivery_id)
            if len(waits) >= len(queue):  # every row left is waiting for its window
                pause = min(waits.values())
                self.sleep(pause)
                self.result.waited += pause
                RATE_WAITS.count += 1
                RATE_WAITS.seconds += pause
                waits.clear()

    def advance(self, delivery_id: int) -> float | None:
        """Send what can be sent now; the seconds to wait, or None when the row is settled."""
        work = self.work.get(delivery_id) or self.claim(delivery_id)
        if work is None:
            return None
        while work.done < len(work.parts):
            wait = self.send_next(delivery_id, work)
            if wait is None or wait > 0:
                return wait
        self.work.pop(delivery_id, None)
        return None

    def send_next(self, delivery_id: int, work: _Work) -> float | None:
        """Send the row's next part while holding the row: 0 once sent, the seconds to wait for
        the rate window, or None when the row failed or is no longer ours to send.

        The part is sent and recorded in one transaction that locks the row at that part, so of
        several instances exactly one sends it; a process killed between the channel's answer and
        the commit leaves that one part to be sent again.
        """
        key, per_minute = work.notifier.rate_key, work.notifier.per_minute
        problem: DeliveryError | None = None
        with session_scope(self.engine) as session:
            delivery = outbox.lock_part(session, delivery_id=delivery_id, parts_sent=work.done)
            if delivery is None:  # another sender sent this part, or is sending it now
                self.work.pop(delivery_id, None)
                return None
            if key and per_minute:
                wait = self.reserve(key, per_minute)
                if wait > 0:
                    return wait
            try:
                note = work.notifier.send_part(work.message, work.parts[work.done])
            except DeliveryError as error:
                problem = error
            except Exception as exc:  # a bug must not stop the batch; the row is retried
                # No traceback in the log: its text could carry a key from a URL.
                text = mask(redact(f"{type(exc).__name__}: {exc}"), list(work.notifier.secrets()))
                log.error("发送时出现意外错误：%s", text)
                problem = DeliveryError(work.message.channel, text, retryable=True)
            else:
                work.done += 1
                self.accepted(session, delivery, work, note)
                return 0.0
        self.failed(delivery_id, work.notifier, problem)  # the row's lock is let go first
        return None

    def claim(self, delivery_id: int) -> _Work | None:
        """Take the row (a lease) and cut it into parts; None if it is not ours to send now."""
        problem: DeliveryError | None = None
        with session_scope(self.engine) as session:
            delivery = outbox.claimable(session, delivery_id=delivery_id)
            if delivery is None or delivery.status is not DeliveryStatus.PENDING:
                return None  # settled, or another instance is sending a part of it right now
            if delivery.next_attempt_at > self.clock():
                return None  # another sender holds its lease, or it was put off in this run
            channel = channel_by_id(session, channel_id=delivery.channel_id)
            try:
                notifier = self.notifier_for(channel)
                message = _message(delivery, channel, self.formats)
                work = _Work(notifier, message, notifier.parts(message), delivery.parts_sent)
            except ConfigurationError as error:
                problem = DeliveryError(delivery.channel_code, str(error), retryable=False)
            except DeliveryError as error:
                problem = error
            else:
                until = self.held.get(notifier.rate_key or "")
                if until is not None:  # its endpoint just failed: wait with it, not an attempt
                    delivery.next_attempt_at = until
                    outbox.save_delivery(session, delivery=delivery)
                    return None
                if not self._take(session, delivery_id):
                    return None  # another sender took it a moment ago
        if problem is not None:
            self.failed(delivery_id, None, problem)
            return None
        work.done = min(work.done, len(work.parts))
        self.work[delivery_id] = work
        return work

    def _take(self, session: Session, delivery_id: int) -> bool:
        """Compare-and-set the lease, so that of two senders exactly one gets the row."""
        at = self.clock()
        return outbox.take_lease(session, delivery_id=delivery_id, at=at, until=at + self.lease)

    def reserve(self, key: str, per_minute: int) -> float:
        """Seconds to wait for ``key``'s window, or 0 after recording this attempt."""
        return reserve_attempt(
            self.engine, rate_key=key, per_minute=per_minute, clock=self.clock, margin=self.margin
        )

    def accepted(self, session: Session, delivery: Delivery, work: _Work, note: str | None) -> None:
        """Record the part the channel accepted, in the transaction that holds the row."""
        self.result.parts += 1
        delivery.parts_sent = work.done
        if note:
            delivery.note = with_note(delivery.note, note)
        if work.done >= len(work.parts):
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, self.clock()
            delivery.last_error = None
            self.result.sent += 1
        else:
            delivery.next_attempt_at = self.clock() + self.lease
        outbox.save_delivery(session, delivery=delivery)

    def failed(self, delivery_id: int, notifier: Notifier | None, error: DeliveryError) -> None:
        self.work.pop(delivery_id, None)
        log.warning("%s", error)
        alert: Delivery | None = None
        with session_scope(self.engine) as session:
            delivery = outbox.delivery_by_id(session, delivery_id=delivery_id)
            assert delivery is not None
            delivery.last_error = str(error)
            channel = channel_by_id(session, channel_id=delivery.channel_id)
            name = channel.name if channel else delivery.channel_code
            if error.retryable:
                delivery.next_attempt_at = self.clock() + backoff(delivery.attempts)
                if notifier is not None and notifier.rate_key:
                    self.held[notifier.rate_key] = delivery.next_attempt_at
                self.result.retrying += 1
                if delivery.attempts == STILL_FAILING_AFTER:  # say it once; retrying goes on
                    alert = queue_admin_alert(
                        session, delivery, name, error.problem, self.admin, self.clock(), stopped=False
                    )
            else:
                delivery.status = DeliveryStatus.DEAD
                self.result.dead += 1
                alert = queue_admin_alert(session, delivery, name, error.problem, self.admin, self.clock())
            outbox.save_delivery(session, delivery=delivery)
            if alert is not None:
                session.flush()
                self.result.admin_alerts += 1
        if alert is not None and alert.id is not None:
            self.queue.append(alert.id)  # tell the administrator in this same run


def _message(delivery: Delivery, channel: Channel | None, formats: FormatOf = builtin_format) -> Message:
    kind_format = formats(channel.kind) if channel is not None else None
    if delivery.kind == ADMIN_KIND or delivery.kind == "test":
        # Written as plain text: markdown channels take it as it is; the others send it as text.
        fmt = Format.MARKDOWN if kind_format is Format.MARKDOWN else Format.TEXT
    else:
        fmt = kind_format or Format.MARKDOWN
    return Message(
        delivery_id=delivery.id or 0,
        channel=delivery.channel_code,
        channel_name=channel.name if channel else delivery.channel_code,
        subject=delivery.subject,
        body=delivery.body,
        format=fmt,
        mentions=tuple(delivery.mentions),
        text=delivery.text_body,
        attachments=tuple(_attachment(a) for a in delivery.attachments),
        kind=delivery.kind,
        uid=_uid(delivery),
    )


def _uid(delivery: Delivery) -> str:
    """Stable for one row (a resend keeps its Message-ID), different for a row of a rebuilt database."""
    seed = f"{delivery.dedup_key}|{delivery.created_at.isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:12]


def _attachment(spec: dict[str, str]) -> Attachment:
    path = Path(spec["path"])
    try:
        data = path.read_bytes()
    except OSError:
        problem = f"附件文件 {path} 不见了"
        raise DeliveryError(spec.get("filename", path.name), problem, retryable=False) from None
    filename = spec.get("filename", path.name)
    return Attachment(filename, spec["content_type"], data, spec.get("inline_id") or None)


def reserve_attempt(
    engine: Engine, *, rate_key: str, per_minute: int, clock: Clock, margin: timedelta = MARGIN
) -> float:
    """Seconds to wait for ``rate_key``'s window now (``clock`` is the real time), or 0 after
    recording this request. The sender and ``duban notify-test`` count one window per endpoint, in
    the database, so neither can push the other over the channel's limit; counting and recording
    happen under the key's lock, so senders in other instances take their turns as well."""
    with session_scope(engine) as session:
        serialise_rate_key(session, rate_key=rate_key)
        at = clock()  # read once the lock is held: the window is counted at the moment it is used
        recent = outbox.attempts_since(session, rate_key=rate_key, since=at - WINDOW - margin)
        wait = wait_needed(recent, per_minute, at, margin=margin)
        if wait <= 0:
            outbox.record_attempt(session, rate_key=rate_key, at=at)
        return wait


def with_note(notes: str | None, note: str) -> str:
    """``notes`` with ``note`` added once: every part of a long message may report the same thing
    (the same unknown accounts), and the delivery says it once, not once per part."""
    if not notes:
        return note
    sep = NOTE_SEPARATOR
    return notes if f"{sep}{note}{sep}" in f"{sep}{notes}{sep}" else f"{notes}{sep}{note}"
