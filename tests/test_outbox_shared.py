"""The outbox when several instances send from one PostgreSQL database: a robot's rate window is
counted under that robot's lock, and a part is claimed with ``FOR UPDATE SKIP LOCKED`` so that of
two senders exactly one sends it. (The whole story, with real processes killed: test_failover_postgres.)

Concurrent senders are threads here, each on its own connection, which is what the locks see of
separate processes. Needs the PostgreSQL server: skipped with the reason without it, required
under CI=true.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from bot.wiring import App
from db import outbox
from db.engine import session_scope
from db.models import Project, SendAttempt
from jobs.admin_alert import AdminRoute
from jobs.deliver import _Run

T0 = datetime(2023, 10, 12, 1, 0, tzinfo=UTC)
T1 = datetime(2099, 1, 1, tzinfo=UTC)  # every row is due by then
SENDERS = 25
pytestmark = pytest.mark.parametrize("database", ["postgres"], indirect=True)


def test_senders_at_the_same_instant_share_one_rate_window(app: App) -> None:
    run = _Run(app.engine, app.notifier_for, lambda: T0, lambda _: None, AdminRoute(), timedelta(0))
    start = threading.Barrier(SENDERS)
    waits: list[float] = []

    def sender() -> None:
        start.wait()
        waits.append(run.reserve("robot-x", 20))

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for w in waits if w == 0) == 20  # the others wait for the window
    assert all(w == 60 for w in waits if w)
    with Session(app.engine) as session:
        assert session.exec(select(func.count()).select_from(SendAttempt)).one() == 20


def test_a_part_being_sent_is_skipped_by_the_other_senders_then_moves_on(app: App) -> None:
    with session_scope(app.engine) as session:
        project = Project(code="p", name="测试项目", county="测试县")
        session.add(project)
        session.flush()
        assert project.id is not None
        row = outbox.queue_delivery(
            session, dedup_key="d", project_id=project.id, channel_code="c", subject="s", body="b"
        )
        session.flush()
        delivery_id = row.id
    assert delivery_id is not None
    with session_scope(app.engine) as sending:  # one sender holds part 0 while it is on the wire
        assert outbox.lock_part(sending, delivery_id=delivery_id, parts_sent=0)
        with Session(app.engine) as other:
            assert not outbox.lock_part(other, delivery_id=delivery_id, parts_sent=0)
            assert outbox.claim_due(other, due_by=T1, until=T1, limit=5, ids=[delivery_id]) == []
            other.rollback()
        outbox.record_parts(sending, delivery_id=delivery_id, parts_sent=1)
    with Session(app.engine) as other:  # part 0 is done: nobody may send it again; part 1 is free
        assert not outbox.lock_part(other, delivery_id=delivery_id, parts_sent=0)
        assert outbox.lock_part(other, delivery_id=delivery_id, parts_sent=1)
        other.rollback()
        (claimed,) = outbox.claim_due(other, due_by=T1, until=T1 + timedelta(minutes=2), limit=5)
        assert (claimed.id, claimed.parts_sent, claimed.attempts) == (delivery_id, 1, 1)
