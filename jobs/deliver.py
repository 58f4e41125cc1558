"""Deliver the outbox: each pending message to its channel, part by part, paced, never lost.

Stages: claim a batch of due rows (one statement gives each a lease, so a second sender leaves
them alone) → cut each into parts → for each part not yet accepted: lock the row at that part
(``FOR UPDATE SKIP LOCKED``), wait for the channel's rate window, record the attempt, send, record
the acceptance and let the row go → mark it sent. Every part commits on its own, so a crash
resumes after the last part the channel accepted (README: delivery guarantee), and senders in
several instances share the outbox. A retryable failure waits with exponential backoff (and holds
back that endpoint's other rows for this run); a permanent one marks the row DEAD and queues an
administrator alert. Either is written in the transaction that holds the row, before it is let go.
A part costs one transaction of two statements; channels are read and notifiers built once per run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import outbox
from db.channels import channels_by_ids
from db.engine import session_scope
from db.models import Channel, Delivery
from domain.enums import DeliveryStatus
from domain.errors import ConfigurationError, DeliveryError
from domain.secrets import mask
from jobs.admin_alert import AdminRoute
from jobs.delivery_failure import record_failure
from jobs.outbox_message import message_of, with_note
from jobs.rate_window import RATE_WAITS, Clock, elapsed_clock, reserve_attempt
from notifiers.base import Message, Notifier, Part
from notifiers.pacing import MARGIN
from notifiers.registry import FormatOf, builtin_format
from notifiers.wecom import redact

log = logging.getLogger(__name__)
# A row one sender claimed or is working on is left to it this long after the claim or its last
# part; a sender that died leaves it to the others after this. Each part is still sent under the
# row's lock, so a lease that runs out while its sender waits for a rate window costs no duplicate.
LEASE = timedelta(minutes=2)
# Rows claimed at once. A claimed row waits for those before it, and a sender that dies leaves its
# batch to the others only when the lease runs out, so a batch is what goes out soon: a robot's
# minute of requests, a fraction of a second on the console.
CLAIM_BATCH = 20
# One sender at a time in a process (the scheduler's sweep, a refresh, a daily job): a process
# killed in the middle of a send leaves at most one part unrecorded.
_ONE_SENDER = threading.Lock()


@dataclass
class DeliverResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    parts: int = 0  # requests the channels accepted
    waited: float = 0.0  # seconds spent waiting for rate windows
    admin_alerts: int = 0


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
    ``lease`` how long a row stays with this sender after it was claimed or sent a part
    (:data:`LEASE`).
    """
    clock = clock or elapsed_clock(now)
    run = _Run(engine, notifier_for, clock, sleep, admin or AdminRoute(), margin, formats, lease)
    with _ONE_SENDER:
        with session_scope(engine) as session:
            outbox.forget_attempts(session, before=now - timedelta(hours=1))
        run.loop(due_by=now)
    return run.result


@dataclass
class _Work:
    notifier: Notifier
    message: Message
    parts: list[Part]
    done: int  # parts accepted so far
    note: str | None  # the row's note as recorded so far
    leased_until: datetime  # this sender's lease on the row (from the claim or the last part)
    started: bool = False  # a part of it was sent in this run


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
        self.channels: dict[int, Channel] = {}  # read once per run
        self.notifiers: dict[int | None, Notifier] = {}  # by channel id; None: the administrator's

    def loop(self, *, due_by: datetime) -> None:
        """Round-robin over the rows so one robot's rate window does not hold up the others; the
        next batch is claimed only once every row in hand is sent or waiting for its window."""
        queue = self.queue
        waits: dict[int, float] = {}
        while True:
            if len(waits) >= len(queue) and self.claim(due_by=due_by):
                continue
            if not queue:
                return
            if len(waits) >= len(queue):  # every row left is waiting for its window
                pause = min(waits.values())
                self.sleep(pause)
                self.result.waited += pause
                RATE_WAITS.count += 1
                RATE_WAITS.seconds += pause
                waits.clear()
                continue
            delivery_id = queue.popleft()
            wait = self.advance(delivery_id)
            if wait is None:
                waits.pop(delivery_id, None)
                continue
            waits[delivery_id] = wait
            queue.append(delivery_id)

    def advance(self, delivery_id: int) -> float | None:
        """Send what can be sent now; the seconds to wait, or None when the row is settled."""
        work = self.work.get(delivery_id)
        if work is None:
            return None
        if not work.started and self.held_back(delivery_id, work):
            return None
        if not self.still_ours(delivery_id, work):
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
            if not outbox.lock_part(session, delivery_id=delivery_id, parts_sent=work.done):
                self.work.pop(delivery_id, None)  # another sender sent this part, or is sending it
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
                self.accepted(session, delivery_id, work, note)
                return 0.0
            # Recorded while the row is still locked: once let go, another sender may take the
            # part, and a failure written after that could mark its delivered message dead.
            alert = self.failed(session, delivery_id, work.notifier, problem)
        self.tell_administrator(alert)
        return None

    def claim(self, *, due_by: datetime, ids: list[int] | None = None) -> bool:
        """Claim the next batch of rows due at ``due_by`` (of ``ids`` if given) and queue them;
        False when there is none left."""
        at = self.clock()
        # The lease starts no earlier than the run's own time: a claimed row must stop being due.
        until = max(at, due_by) + self.lease
        with session_scope(self.engine) as session:
            rows = outbox.claim_due(session, due_by=due_by, until=until, limit=CLAIM_BATCH, ids=ids)
            wanted = {r.channel_id for r in rows if r.channel_id and r.channel_id not in self.channels}
            self.channels.update(channels_by_ids(session, ids=wanted))
        for delivery in rows:
            self.prepare(delivery, until)
        return bool(rows)

    def still_ours(self, delivery_id: int, work: _Work) -> bool:
        """Whether the row is still this sender's: a row reached late (the rows before it in its
        batch were slow, or it waited for its window) first renews its lease, so that no part
        starts on a lease about to run out, and is left alone if another sender took it meanwhile."""
        at = self.clock()
        if at < work.leased_until - self.lease / 2:
            return True
        with session_scope(self.engine) as session:
            renewed = outbox.renew_lease(
                session,
                delivery_id=delivery_id,
                parts_sent=work.done,
                held_until=work.leased_until,
                until=at + self.lease,
            )
        if not renewed:
            self.work.pop(delivery_id, None)
            return False
        work.leased_until = at + self.lease
        return True

    def prepare(self, delivery: Delivery, leased_until: datetime) -> None:
        """Cut a claimed row into parts and queue it; one that cannot be sent fails at once."""
        assert delivery.id is not None
        channel = self.channels.get(delivery.channel_id or 0)
        try:
            notifier = self.notifier(channel)
            message = message_of(delivery, channel, self.formats)
            parts = notifier.parts(message)
        except ConfigurationError as error:
            problem = DeliveryError(delivery.channel_code, str(error), retryable=False)
        except DeliveryError as error:
            problem = error
        else:
            done = min(delivery.parts_sent, len(parts))
            self.work[delivery.id] = _Work(notifier, message, parts, done, delivery.note, leased_until)
            self.queue.append(delivery.id)
            return
        alert = None
        with session_scope(self.engine) as session:
            if outbox.lock_part(session, delivery_id=delivery.id, parts_sent=delivery.parts_sent):
                alert = self.failed(session, delivery.id, None, problem)
        self.tell_administrator(alert)

    def notifier(self, channel: Channel | None) -> Notifier:
        """The channel's notifier, built once per run (a live one reads the channel's audience)."""
        key = channel.id if channel is not None else None
        if key not in self.notifiers:
            self.notifiers[key] = self.notifier_for(channel)
        return self.notifiers[key]

    def held_back(self, delivery_id: int, work: _Work) -> bool:
        """Put the row off if its endpoint just failed in this run: it waits with it."""
        until = self.held.get(work.notifier.rate_key or "")
        if until is None:
            return False
        self.work.pop(delivery_id, None)
        with session_scope(self.engine) as session:
            outbox.put_off(
                session,
                delivery_id=delivery_id,
                parts_sent=work.done,
                held_until=work.leased_until,
                until=until,
            )
        return True

    def reserve(self, key: str, per_minute: int) -> float:
        """Seconds to wait for ``key``'s window, or 0 after recording this attempt."""
        return reserve_attempt(
            self.engine, rate_key=key, per_minute=per_minute, clock=self.clock, margin=self.margin
        )

    def accepted(self, session: Session, delivery_id: int, work: _Work, note: str | None) -> None:
        """Record the part the channel accepted, in the transaction that holds the row."""
        self.result.parts += 1
        work.started = True
        columns: dict[str, object] = {"parts_sent": work.done}
        if note and (noted := with_note(work.note, note)) != work.note:
            work.note = columns["note"] = noted
        if work.done >= len(work.parts):
            columns.update(status=DeliveryStatus.SENT, sent_at=self.clock(), last_error=None)
            self.result.sent += 1
        else:
            columns["next_attempt_at"] = work.leased_until = self.clock() + self.lease
        outbox.record_parts(session, delivery_id=delivery_id, **columns)

    def failed(
        self, session: Session, delivery_id: int, notifier: Notifier | None, error: DeliveryError
    ) -> Delivery | None:
        """Record a failed attempt on the row this transaction holds locked; the administrator's
        alert it queued, if any (:meth:`tell_administrator` sends it once the lock is let go)."""
        self.work.pop(delivery_id, None)
        log.warning("%s", error)
        failure = record_failure(session, delivery_id, error, self.channels, self.admin, self.clock())
        if failure.retry_at is None:
            self.result.dead += 1
        else:
            self.result.retrying += 1
            if notifier is not None and notifier.rate_key:
                self.held[notifier.rate_key] = failure.retry_at
        if failure.alert is not None:
            self.result.admin_alerts += 1
        return failure.alert

    def tell_administrator(self, alert: Delivery | None) -> None:
        """Send the administrator's alert about a failure in this run, once it is committed."""
        if alert is not None and alert.id is not None:
            self.claim(due_by=alert.next_attempt_at, ids=[alert.id])
