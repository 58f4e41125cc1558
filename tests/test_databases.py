"""What SQLite and PostgreSQL do differently, pinned down: every test here runs on both.

Concurrency (the run lock and the outbox claim, raced from threads), the order of Chinese and
mixed-case text, NULL ordering, time zones (the test server runs in Asia/Shanghai) and LIKE's
wildcards and case. tests/postgres.py explains where the PostgreSQL databases come from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from sqlmodel import Session, select

from bot.wiring import App
from db.engine import session_scope
from db.evidence import evidence_trail
from db.facts_loader import load_projects
from db.measurements import NewValue, record_measurements
from db.models import Alert, CollectionAttempt, Indicator, JobLock, Project, Source
from domain.enums import DeliveryStatus, Origin
from domain.errors import ConfigurationError
from jobs.acks import find_alerts
from jobs.deliver import deliver_pending
from jobs.lock import AlreadyRunningError, acquire, current
from notifiers.base import Message, Notifier, Part
from tests.fakes.outbox import live_app, queue, rows

pytestmark = pytest.mark.both_databases
T0 = datetime(2023, 10, 12, 1, 0, tzinfo=UTC)
TOWNS = ["城关镇", "Abc镇", "abc乡", "东关镇", "万家寨镇"]  # pinyin order is not code-point order
CODES = ["b2", "B1", "a-1", "A_1", "S10", "S9"]  # nor is case-insensitive order
R = TypeVar("R")


def race(count: int, work: Callable[[int], R]) -> list[R | BaseException]:
    """Run ``work(n)`` in ``count`` threads released together; each result or exception."""
    start = threading.Barrier(count, timeout=10)
    results: list[R | BaseException] = [RuntimeError("did not finish")] * count

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return results


def test_of_many_racing_takers_exactly_one_gets_the_lock(app: App) -> None:
    results = race(6, lambda n: acquire(app.engine, holder=f"h{n}", label=f"任务{n}", now=T0))
    winners = [n for n, r in enumerate(results) if r is None]
    assert len(winners) == 1
    assert all(isinstance(r, AlreadyRunningError) for r in results if r is not None), results
    lock = current(app.engine)
    assert lock is not None and lock.holder == f"h{winners[0]}" and lock.started_at == T0


def test_of_many_racing_takers_exactly_one_takes_over_a_stale_lock(app: App) -> None:
    acquire(app.engine, holder="dead", label="断电前的任务", now=T0)
    later = T0 + timedelta(minutes=30)
    results = race(6, lambda n: acquire(app.engine, holder=f"h{n}", label=f"任务{n}", now=later))
    assert sum(r is None for r in results) == 1, results
    with Session(app.engine) as session:
        (lock,) = session.exec(select(JobLock)).all()
    assert lock.holder != "dead" and lock.heartbeat_at == later


class Recorder(Notifier):
    """Accepts everything, slowly enough that two senders overlap, and notes what it sent."""

    def __init__(self, sent: list[int]) -> None:
        self.sent = sent

    def send_part(self, message: Message, part: Part) -> None:
        threading.Event().wait(0.005)
        self.sent.append(message.delivery_id)


def test_two_senders_at_once_send_each_row_exactly_once(tmp_path, database) -> None:
    from tests.fakes.clock import FakeClock

    clock = FakeClock()
    app = live_app(tmp_path, clock, database_url=database)
    ids = [queue(app, "leaders", f"第{n}条", now=clock()) for n in range(12)]
    sent: list[int] = []
    app.notifier_for = lambda channel: Recorder(sent)  # type: ignore[method-assign]
    results = race(
        2, lambda n: deliver_pending(app.engine, app.notifier_for, now=clock(), sleep=lambda s: None)
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(sent) == ids  # every row once: none lost, none twice
    assert {r.status for r in rows(app)} == {DeliveryStatus.SENT}


def _plan(session: Session) -> Indicator:
    project = Project(code="p", name="某县乡村e镇", county="某县")
    session.add(project)
    session.flush()
    session.add(Source(project_id=project.id, code="src", kind="html", settings={}))
    indicators = [
        Indicator(project_id=project.id, code=code, name=f"指标{code}", unit="万元", source_code="src")
        for code in CODES
    ]
    session.add_all(indicators)
    session.flush()
    return indicators[0]


def test_text_comes_back_in_code_point_order_county_figure_first(app: App) -> None:
    with session_scope(app.engine) as session:
        indicator = _plan(session)
        values = [NewValue(indicator.id or 0, "2023-09", 1.0, "万元", Origin.MANUAL, town=t) for t in TOWNS]
        record_measurements(
            session, [*values, NewValue(indicator.id or 0, "2023-09", 9.0, "万元", Origin.MANUAL)]
        )
    with session_scope(app.engine) as session:
        trail = evidence_trail(session, indicator="b2", month="2023-09")
        (facts,) = load_projects(session)
    assert [r.measurement.town for r in trail.revisions] == [None, *sorted(TOWNS)]
    assert [i.code for i in facts.indicators] == sorted(CODES)
    (b2,) = [i for i in facts.indicators if i.code == "b2"]
    assert list(b2.town_values) == sorted(TOWNS)


def test_times_are_utc_whatever_the_server_zone(app: App) -> None:
    beijing = timezone(timedelta(hours=8))
    late_evening = datetime(2023, 10, 11, 17, 30, tzinfo=UTC)  # 01:30 on the 12th in Beijing
    with session_scope(app.engine) as session:
        _plan(session)
        project = session.exec(select(Project)).one()
        session.add(
            CollectionAttempt(project_id=project.id or 0, source_code="src", started_at=late_evening, ok=True)
        )
        session.add(
            JobLock(name="x", holder="h", label="l", started_at=T0.astimezone(beijing), heartbeat_at=T0)
        )
    with session_scope(app.engine) as session:
        lock = session.get(JobLock, "x")
        assert lock is not None and lock.started_at == T0 and lock.started_at.tzinfo == UTC
        (facts,) = load_projects(session)
    assert facts.sources[0].last_ok == date(2023, 10, 12)  # the office's date, not UTC's or the server's


def test_text_with_a_nul_character_is_stored_not_refused(app: App, database: str | None) -> None:
    error = "第 3 行月份“2023-09\x00”无法识别"  # as a broken page or a JSON "\u0000" delivers it
    with session_scope(app.engine) as session:
        _plan(session)
        project = session.exec(select(Project)).one()
        session.add(
            CollectionAttempt(
                project_id=project.id or 0, source_code="src", started_at=T0, ok=False, error=error
            )
        )
    with session_scope(app.engine) as session:
        stored = session.exec(select(CollectionAttempt.error)).one()
        again = session.exec(select(CollectionAttempt).where(CollectionAttempt.error == error)).all()
    # PostgreSQL text cannot hold NUL: it is kept visible as U+FFFD, in what is stored and what is asked.
    assert stored == (error if database is None else error.replace("\x00", "\ufffd"))
    assert len(again) == 1


def test_a_key_prefix_is_matched_exactly_not_as_a_pattern(app: App) -> None:
    with session_scope(app.engine) as session:
        _plan(session)
        project = session.exec(select(Project)).one()
        for key in ["p/indicator/A_1/year/2023", "p/indicator/AB1/year/2023", "p/indicator/a_1/plan"]:
            session.add(
                Alert(
                    key=key,
                    project_id=project.id or 0,
                    kind="behind_pace",
                    severity="warning",
                    subject="指标",
                    stage="behind",
                    first_seen_at=T0,
                    last_seen_at=T0,
                )
            )
    with session_scope(app.engine) as session:
        found = find_alerts(session, project="p", key="indicator/A_1")
        assert [a.key for a in found] == ["p/indicator/A_1/year/2023"]  # not AB1 (_), not a_1 (case)
        with pytest.raises(ConfigurationError):
            find_alerts(session, project="p", key="indicator/A%")


def test_an_unreachable_server_is_one_clear_line_without_the_password(tmp_path) -> None:
    import socket

    from bot.settings import Settings

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://duban:pw-s3cret-9@127.0.0.1:{port}/duban"
    app = App.build(Settings(data_dir=tmp_path / "data", database_url=url), {})
    with pytest.raises(ConfigurationError) as raised:
        app.init_database()
    message = str(raised.value)
    assert message.startswith(f"连不上数据库 postgresql+psycopg://duban:***@127.0.0.1:{port}/duban：")
    assert "pw-s3cret-9" not in message and "\n" not in message
