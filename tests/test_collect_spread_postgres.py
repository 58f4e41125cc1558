"""Collection shared by several instances on one PostgreSQL database (jobs/collect_spread).

Every instance has its own engine (its own connections, as on its own machine) and its own HTTP
client; the backends are real servers on 127.0.0.1 that count the requests they get and the
requests in progress at once. Needs the PostgreSQL server (scripts/with-postgres).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import wall_clock
from bot.demo.server import serve
from collectors.registry import default_registry
from db.collect_work import open_round
from db.engine import make_engine
from db.facts_loader import load_projects
from db.models import CollectionAttempt, CollectItem, JobRun, Measurement
from domain.enums import FindingKind, RunStatus, WorkStatus
from domain.evaluation import Policy, evaluate
from domain.workdays import WorkCalendar
from jobs.collect import Collector, load_sources
from jobs.collect_crew import Crew
from jobs.collect_spread import collect_spread, work_items
from tests.collect_helpers import NOW, make_db, make_env
from tests.instances import ROOT, Instances, child_env
from tests.postgres import Databases, fresh_database
from tests.spread_fakes import CountingBackend

HOST_LIMIT = 2


def collector(tmp_path: Path) -> Collector:
    """One instance's way of collecting: its own HTTP client; the evidence folder is shared."""
    env = make_env(tmp_path, timeout=60, host_limit=HOST_LIMIT)
    return Collector(default_registry(), env, tmp_path / "evidence", {})


@contextmanager
def backends(*servers: CountingBackend) -> Iterator[None]:
    with ExitStack() as stack:
        for server in servers:
            server.url = stack.enter_context(serve(server.routes())).url
        yield


def test_three_instances_share_a_round_each_source_once_and_each_host_within_its_limit(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    north = CountingBackend([f"n{i}" for i in range(8)])
    south = CountingBackend([f"s{i}" for i in range(8)])
    with fresh_database(postgres_databases) as url, backends(north, south):
        sources = [north.source(c) for c in north.codes] + [south.source(c) for c in south.codes]
        leader_engine = make_db(tmp_path, sources, url)
        standbys = [
            Crew(make_engine(url), collector(tmp_path), clock=wall_clock, workers=3, poll=0.05).start()
            for _ in range(2)
        ]
        started = time.monotonic()
        try:
            result = collect_spread(
                leader_engine,
                collector(tmp_path),
                now=NOW,
                clock=wall_clock,
                deadline=timedelta(minutes=2),
                workers=2,
            )
        finally:
            for crew in standbys:
                crew.stop()
        took = time.monotonic() - started

        assert (result.sources, result.figures, result.failures) == (16, 16, [])
        # Each source fetched once, and no host ever had more than its limit at once, although
        # the three instances had eight threads between them.
        assert set(north.hits.values()) == set(south.hits.values()) == {1}
        assert north.most_busy == south.most_busy == HOST_LIMIT
        with Session(leader_engine) as session:
            attempts = session.exec(select(CollectionAttempt)).all()
            assert sorted(a.source_code for a in attempts) == sorted(s.code for s in sources)
            assert all(a.ok and a.figures == 1 and a.evidence_id for a in attempts)
            assert len(session.exec(select(Measurement)).all()) == 16
            items = session.exec(select(CollectItem)).all()
        instances = Counter(item.claimed_by.rsplit(":", 2)[1] for item in items if item.claimed_by)
        # The work was shared (which instance gets how much is timing; the duban run test below
        # makes a standby's share certain).
        assert len(instances) >= 2, instances
        assert {item.status for item in items} == {WorkStatus.DONE}
    # 16 sources of 0.2 s, two at a time on each of two hosts: about 0.8 s of fetching.
    print(f"\nSPREAD sources=16 hosts=2 limit={HOST_LIMIT} instances=3 took_s={took:.2f} shares={instances}")


def test_an_item_whose_instance_was_killed_is_taken_up_and_stored_once(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    backend = CountingBackend(["stuck"], hang=frozenset({"stuck"}))
    with fresh_database(postgres_databases) as url, backends(backend):
        engine = make_db(tmp_path, [backend.source("stuck")], url)
        _open(engine)
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.spread_child", url, str(tmp_path)],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            claimer = _wait_claimed(engine, child)
            assert claimer.split(":")[1] == str(child.pid)
            _wait(lambda: backend.hits["stuck"] == 1)  # its request is on the wire, unanswered
            child.kill()
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        survivor = Crew(make_engine(url), collector(tmp_path), clock=wall_clock, workers=1, poll=0.05)
        survivor.start()
        try:
            _wait(lambda: _item(engine).status == WorkStatus.DONE)
        finally:
            survivor.stop()
            backend.release.set()
        item = _item(engine)
        assert item.claimed_by is not None and item.claimed_by.split(":")[1] != str(child.pid)
        assert backend.hits["stuck"] == 2  # the dead instance's request, then the survivor's
        with Session(engine) as session:
            attempts = session.exec(select(CollectionAttempt)).all()
            figures = session.exec(select(Measurement)).all()
        assert [(a.ok, a.figures) for a in attempts] == [(True, 1)]
        assert [m.value for m in figures] == [100]


def test_sources_left_at_the_deadline_are_collection_failures_and_a_late_result_is_not_kept(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    backend = CountingBackend(["quick", "stuck"], hang=frozenset({"stuck"}))
    with fresh_database(postgres_databases) as url, backends(backend):
        engine = make_db(tmp_path, [backend.source("quick"), backend.source("stuck")], url)
        started = time.monotonic()
        result = collect_spread(
            engine, collector(tmp_path), now=NOW, clock=wall_clock, deadline=timedelta(seconds=2)
        )
        waited = time.monotonic() - started
        assert 2 <= waited < 10
        assert (result.sources, result.figures) == (2, 1)
        [failure] = result.failures
        assert "stuck" in failure and "期限内没有完成" in failure and "正在采集" in failure
        backend.release.set()  # the instance that held it answers late ...
        _wait(lambda: backend.answered["stuck"] == 1)
        time.sleep(1.0)
        with Session(engine) as session:
            stuck = session.exec(
                select(CollectionAttempt).where(col(CollectionAttempt.source_code) == "stuck")
            ).all()
            values = session.exec(select(Measurement.source_code)).all()
            facts = load_projects(session)
        # ... and keeps nothing: the round said "failed", and so does the evaluation after it.
        assert [(a.ok, a.error) for a in stuck] == [(False, failure)]
        assert values == ["quick"]
        findings = evaluate(facts, NOW.date(), WorkCalendar(), Policy())
        failed = [f for f in findings if f.kind == FindingKind.COLLECTION_FAILED]
        assert [(f.subject, f.error) for f in failed] == [("数据源 stuck 采集失败", failure)]  # type: ignore[attr-defined]


def _open(engine: Engine) -> int:
    with Session(engine) as session:
        items = work_items(load_sources(session))
        now = datetime.now(UTC)
        round_id = open_round(
            session, started_at=now, as_of=None, month=None, deadline=now + timedelta(minutes=5), items=items
        )
        session.commit()
    return round_id


def _item(engine: Engine) -> CollectItem:
    with Session(engine) as session:
        return session.exec(select(CollectItem)).one()


def _wait_claimed(engine: Engine, child: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        item = _item(engine)
        if item.status == WorkStatus.CLAIMED and item.claimed_by:
            return item.claimed_by
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        time.sleep(0.05)
    raise AssertionError("the child instance never claimed the item")


def _wait(condition: Callable[[], bool], timeout: float = 30.0, logs: Callable[[], str] = str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met in time\n{logs()}")


def test_duban_run_standby_takes_a_share_of_the_leaders_collection(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    """Two real ``duban run`` processes: the leader's scheduled collection is a round, and the
    standby collects part of it. Every first request hangs until both instances hold items, so
    the standby's share does not depend on timing."""
    codes = [f"c{i}" for i in range(16)]
    backend = CountingBackend(codes, delay=0.05, hang=frozenset(codes))
    with fresh_database(postgres_databases) as url, backends(backend):
        engine = make_db(tmp_path, [backend.source(c) for c in codes], url)
        env = child_env(
            DUBAN_DATABASE_URL=url,
            DUBAN_LEADER_POLL_SECONDS="0.5",
            DUBAN_COLLECT_CRON="* * * * *",
            DUBAN_HOST_CONCURRENCY="16",
            DUBAN_HTTP_TIMEOUT="60",
        )
        instances = Instances(tmp_path, env)
        try:
            leader = instances.start()
            instances.wait_started(leader)
            _wait(
                lambda: _claimed_by(engine).get(leader.process.pid, 0) == 8, timeout=60, logs=instances.logs
            )
            standby = instances.start()
            instances.wait_started(standby)
            _wait(
                lambda: _claimed_by(engine).get(standby.process.pid, 0) == 4, timeout=60, logs=instances.logs
            )
            backend.release.set()
            _wait(lambda: _collect_runs(engine) == 1, timeout=60, logs=instances.logs)
        finally:
            backend.release.set()
            instances.stop_all()
        logs = instances.logs()
        assert "Traceback" not in logs, logs
        assert set(backend.hits.values()) == {1}, backend.hits  # each source fetched once
        shares = _claimed_by(engine, status=WorkStatus.DONE)
        assert shares[leader.process.pid] >= 8 and shares[standby.process.pid] >= 4, shares
        assert sum(shares.values()) == 16
        with Session(engine) as session:
            run = session.exec(select(JobRun).where(JobRun.job == "collect")).one()
        assert (run.status, run.counts["figures"], run.counts["failures"]) == (RunStatus.SUCCEEDED, 16, 0)


def _claimed_by(engine: Engine, status: WorkStatus = WorkStatus.CLAIMED) -> Counter[int]:
    with Session(engine) as session:
        items = session.exec(select(CollectItem).where(CollectItem.status == status)).all()
    return Counter(int(item.claimed_by.split(":")[1]) for item in items if item.claimed_by)


def _collect_runs(engine: Engine) -> int:
    with Session(engine) as session:
        runs = session.exec(
            select(JobRun).where(JobRun.job == "collect", JobRun.status == RunStatus.SUCCEEDED)
        ).all()
    return len(runs)
