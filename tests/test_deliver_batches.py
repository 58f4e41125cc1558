"""The sender claims due rows in batches: a message costs one transaction of two statements, and
what the batch changes leaves the delivery guarantee whole — two senders holding the same rows
still send each part once, a sender that dies holds back no more than its batch, and rows put
off behind a failing robot are not counted as attempts. On SQLite and PostgreSQL, except the race
(PostgreSQL only: on SQLite one sender runs at a time).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from db import outbox
from db.engine import session_scope
from db.models import Channel, Delivery
from domain.enums import DeliveryStatus
from domain.errors import DeliveryError
from jobs.admin_alert import AdminRoute
from jobs.deliver import CLAIM_BATCH, LEASE, _Run, deliver_pending
from notifiers.base import Message, Notifier, Part
from tests.fakes.clock import FakeClock
from tests.fakes.outbox import live_app, queue, rows
from tests.fakes.wecom_server import FakeWeCom, running

CHANNELS = ("work", "app", "leaders")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def counted(engine: Engine) -> Iterator[Counter[str]]:
    """Statements and commits the engine sends while the block runs."""
    counts: Counter[str] = Counter()

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


@pytest.mark.both_databases
def test_a_message_costs_one_transaction_of_two_statements(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    messages = 3 * CLAIM_BATCH
    for n in range(messages):
        queue(app, CHANNELS[n % 3], f"**逾期 {n} 项**", now=clock())
    built: list[str | None] = []

    def notifier_for(channel: Channel | None) -> Notifier:
        built.append(channel.code if channel else None)
        return app.notifier_for(channel)

    with counted(app.engine) as counts:
        result = deliver_pending(app.engine, notifier_for, now=clock(), clock=clock, sleep=clock.sleep)
    assert result.sent == messages and {r.status for r in rows(app)} == {DeliveryStatus.SENT}
    assert sorted(built, key=str) == sorted(CHANNELS)  # one notifier per channel for the whole run
    # Each message: lock its part, record it, commit. Each batch: claim the rows, read their
    # channels, commit. The run: forget old attempts, and find the outbox empty at the end.
    batches = messages // CLAIM_BATCH
    assert counts["statements"] <= 2 * messages + 2 * batches + 2, counts
    assert counts["commits"] <= messages + batches + 2, counts


class Lines(Notifier):
    """Sends a message line by line, slowly enough that two senders meet; records every part."""

    def __init__(self, sent: list[tuple[int, int, str]], sender: str) -> None:
        self.sent, self.sender = sent, sender

    def parts(self, message: Message) -> list[Part]:
        lines = message.body.split("\n")
        return [Part(i, len(lines), "text", line) for i, line in enumerate(lines)]

    def send_part(self, message: Message, part: Part) -> str | None:
        time.sleep(0.002)
        self.sent.append((message.delivery_id, part.index, self.sender))
        return None


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_senders_whose_leases_keep_running_out_send_each_part_once(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    """Leases shorter than a part, so the two senders keep claiming rows from each other, renewing,
    losing and retaking them mid-message, as the service's sweeps would. Each part goes out once."""
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    lines = 4
    ids = [
        queue(app, "work", "\n".join(f"第{n}条第{i}行" for i in range(lines)), now=clock()) for n in range(30)
    ]
    sent: list[tuple[int, int, str]] = []
    due_by = datetime.now(UTC) + timedelta(days=1)  # every row is due, once its lease runs out
    go = threading.Barrier(2)

    def sender(name: str) -> None:
        go.wait()
        for _ in range(200):  # the service's sweeps, until nothing is left
            if all(r.status is DeliveryStatus.SENT for r in rows(app)):
                return
            lease = timedelta(milliseconds=3)
            run = _Run(
                app.engine,
                lambda _: Lines(sent, name),
                real_clock,
                lambda _: None,
                AdminRoute(),
                lease,
                lease=lease,
            )
            run.loop(due_by=due_by)

    threads = [threading.Thread(target=sender, args=(name,)) for name in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = Counter((delivery_id, part) for delivery_id, part, _ in sent)
    assert set(times) == {(i, p) for i in ids for p in range(lines)}  # every part of every row
    assert set(times.values()) == {1}, [k for k, n in times.items() if n > 1]  # and each once
    assert {who for _, _, who in sent} == {"A", "B"}  # both really sent
    assert all(r.status is DeliveryStatus.SENT and r.parts_sent == lines for r in rows(app))


def real_clock() -> datetime:
    return datetime.now(UTC)


@pytest.mark.both_databases
def test_a_row_reached_after_its_lease_ran_out_is_renewed_or_left_to_who_took_it(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    """The rows before them were slow: by the time A reaches its batch's rows their lease has run
    out and another sender took half of them. A sends the other half (renewing each lease first)
    and leaves the taken ones alone, even on SQLite, where rows are not locked."""
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    ids = [queue(app, "work", f"**逾期 {n} 项**", now=clock()) for n in range(CLAIM_BATCH)]
    sent: list[tuple[int, int, str]] = []
    a = _Run(app.engine, lambda _: Lines(sent, "A"), clock, clock.sleep, AdminRoute(), timedelta(0))
    start = clock()
    assert a.claim(due_by=start) and list(a.queue) == ids
    clock.advance(LEASE.total_seconds() + 1)
    taken = ids[: CLAIM_BATCH // 2]
    with session_scope(app.engine) as session:  # another sender claims half of them
        other = outbox.claim_due(session, due_by=clock(), until=clock() + LEASE, limit=CLAIM_BATCH, ids=taken)
        assert [r.id for r in other] == taken
    a.loop(due_by=start)
    assert sorted({delivery_id for delivery_id, _, _ in sent}) == ids[CLAIM_BATCH // 2 :]
    by_id = {r.id: r for r in rows(app)}
    assert all(by_id[i].status is DeliveryStatus.PENDING and by_id[i].attempts == 2 for i in taken)
    assert all(
        by_id[i].status is DeliveryStatus.SENT and by_id[i].attempts == 1 for i in ids if i not in taken
    )


class Died(BaseException):
    """The sender's process dies (not an error the sender could catch)."""


@pytest.mark.both_databases
def test_a_sender_that_dies_holds_back_at_most_its_batch_until_the_lease_runs_out(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    messages = CLAIM_BATCH + 30
    for n in range(messages):
        queue(app, "work", f"**逾期 {n} 项**", now=clock())

    def dying(channel: Channel | None) -> Notifier:
        notifier = app.notifier_for(channel)
        send_part = notifier.send_part

        def send(message: Message, part: Part) -> str | None:
            if message.body != "**逾期 0 项**":
                raise Died
            return send_part(message, part)

        notifier.send_part = send  # type: ignore[method-assign]
        return notifier

    with pytest.raises(Died):  # sent the first row of its batch, then died on the second
        deliver_pending(app.engine, dying, now=clock(), clock=clock, sleep=clock.sleep)
    clock.advance(1)
    now = deliver_pending(app.engine, app.notifier_for, now=clock(), clock=clock, sleep=clock.sleep)
    assert now.sent == messages - CLAIM_BATCH  # the rest went out at once
    clock.advance(LEASE.total_seconds())
    later = deliver_pending(app.engine, app.notifier_for, now=clock(), clock=clock, sleep=clock.sleep)
    assert later.sent == CLAIM_BATCH - 1  # the dead sender's batch, once its lease ran out
    assert {r.status for r in rows(app)} == {DeliveryStatus.SENT}


@pytest.mark.both_databases
def test_rows_put_off_behind_a_failing_robot_are_not_counted_as_attempts(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    with running(FakeWeCom(clock=clock)) as fake:
        app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
        for n in range(3):
            queue(app, "work", f"**逾期 {n} 项**", now=clock())
        fake.inject(45009)  # the robot is throttled: the first request fails, retryably
        result = deliver_pending(app.engine, app.notifier_for, now=clock(), clock=clock, sleep=clock.sleep)
    assert (result.retrying, result.sent, fake.requests) == (1, 0, 1)
    first, *others = rows(app)
    assert first.attempts == 1
    for row in others:  # claimed with the batch, then put off with the robot: never tried
        assert row.status is DeliveryStatus.PENDING and row.attempts == 0
        assert row.next_attempt_at == first.next_attempt_at


class Paced(Lines):
    """A robot that takes one request a minute."""

    per_minute = 1

    @property
    def rate_key(self) -> str | None:
        return "paced-robot"


@pytest.mark.both_databases
def test_a_message_whose_lease_ran_out_while_it_waited_for_its_window_is_left_to_who_took_it(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    """A sent the first part, then waited a minute for the robot's window on a 30 s lease; another
    sender took the row meanwhile. A does not send the second part: the other sender will."""
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    row_id = queue(app, "work", "第一段\n第二段", now=clock())
    sent: list[tuple[int, int, str]] = []

    def sleep(seconds: float) -> None:  # while A waits, its lease runs out and B takes the row
        clock.sleep(seconds)
        with session_scope(app.engine) as session:
            taken = outbox.claim_due(session, due_by=clock(), until=clock() + LEASE, limit=1, ids=[row_id])
            assert [r.id for r in taken] == [row_id]

    lease = timedelta(seconds=30)
    a = _Run(app.engine, lambda _: Paced(sent, "A"), clock, sleep, AdminRoute(), timedelta(0), lease=lease)
    a.loop(due_by=clock())
    assert sent == [(row_id, 0, "A")] and a.result.waited == 60
    (row,) = rows(app)
    assert (row.status, row.parts_sent, row.attempts) == (DeliveryStatus.PENDING, 1, 2)


class Refusing(Lines):
    """A channel that refuses every message for good (the robot was removed from its group)."""

    def __init__(self, sent: list[tuple[int, int, str]], sender: str) -> None:
        super().__init__(sent, sender)
        self.refused = False

    def send_part(self, message: Message, part: Part) -> str | None:
        self.refused = True
        raise DeliveryError(message.channel, "机器人已被移出群聊", retryable=False)


@pytest.mark.both_databases
def test_a_failure_is_written_down_before_the_row_is_let_go(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    """A's channel refuses the message for good. Another sender that takes the row the moment A
    lets it go must find it already marked dead, with nothing left to send: had A written the
    failure afterwards, it would mark dead a message the other sender had just delivered."""
    app = live_app(tmp_path, clock, database_url=database, delivery="console")
    row_id = queue(app, "work", "第一段", now=clock())
    notifier = Refusing([], "A")
    taken_by_other: list[int] = []

    def other_sender_takes_the_row(_: Session) -> None:
        if not notifier.refused or taken_by_other:
            return
        with app.engine.begin() as connection:  # it sends the part if the row still offers it
            sent = connection.execute(
                update(Delivery)
                .where(
                    col(Delivery.id) == row_id,
                    col(Delivery.status) == DeliveryStatus.PENDING,
                    col(Delivery.parts_sent) == 0,
                )
                .values(status=DeliveryStatus.SENT, parts_sent=1)
            )
        taken_by_other.append(sent.rowcount)

    event.listen(Session, "after_commit", other_sender_takes_the_row)
    try:
        result = deliver_pending(
            app.engine,
            lambda channel: notifier if channel is not None else app.notifier_for(None),
            now=clock(),
            clock=clock,
            sleep=clock.sleep,
        )
    finally:
        event.remove(Session, "after_commit", other_sender_takes_the_row)
    assert taken_by_other == [0]  # when A let the row go, nothing was left to take
    row, admin = rows(app)  # the message, and the administrator's alert about it (sent)
    assert result.dead == 1 and row.status is DeliveryStatus.DEAD and row.parts_sent == 0
    assert admin.status is DeliveryStatus.SENT and admin.kind != row.kind
    assert row.last_error is not None and "机器人已被移出群聊" in row.last_error
