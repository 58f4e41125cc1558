"""How many ``duban run`` may share a database: one on SQLite (a second is refused, clearly), any
number on PostgreSQL (one leads, the others stand by, and /healthz and /metrics say which).

The PostgreSQL test needs the server (scripts/with-postgres): skipped with the reason without it,
required under CI=true. The failover itself is tests/test_failover_postgres.py.
"""

from __future__ import annotations

import socket
import time
from datetime import datetime
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import col, select

from bot.service import Service
from bot.wiring import App
from db.engine import session_scope
from db.models import JobRun
from domain.workdays import OFFICE_TZ
from tests.instances import LEADER_LINE, STANDBY_LINE, Instances, child_env
from tests.postgres import Databases, fresh_database


def test_a_second_duban_run_on_the_same_sqlite_database_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    instances = Instances(tmp_path, child_env())
    try:
        first = instances.start(data_dir=data_dir)
        instances.wait_started(first)
        assert "单实例运行（SQLite）" in first.log()

        second = instances.start(data_dir=data_dir)
        assert second.process.wait(timeout=60) == 1
        time.sleep(0.2)  # the reader thread takes the last lines
        text = second.log()
        database = data_dir.resolve() / "duban.db"
        assert f"已有一个 duban run（进程 {first.process.pid}）在使用数据库 {database}" in text
        assert "同一个 SQLite 数据库只能运行一个实例" in text and "PostgreSQL" in text
        assert "Traceback" not in text and "duban 服务已启动" not in text
        assert first.alive  # the one running is left alone

        # A power cut does not leave the database locked: the system lets go with the process.
        instances.kill(first)
        third = instances.start(data_dir=data_dir)
        instances.wait_started(third)
    finally:
        instances.stop_all()
    assert third.process.returncode == 0, instances.logs()


def test_instances_on_postgresql_say_leader_or_standby_in_healthz_and_metrics(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    with fresh_database(postgres_databases) as url:
        instances = Instances(tmp_path, child_env(DUBAN_DATABASE_URL=url, DUBAN_LEADER_POLL_SECONDS="0.5"))
        ports: dict[str, int] = {}
        try:
            for _ in range(2):
                port = _free_port()
                instance = instances.start("--port", str(port))
                ports[instance.name] = port
                instances.wait_started(instance)
            leader = instances.leader()
            standby = next(i for i in instances.all if i is not leader)
            assert standby.said(STANDBY_LINE) is not None and standby.said(LEADER_LINE) is None
            assert _role(ports[leader.name]) == ("leader", 1.0)
            assert _role(ports[standby.name]) == ("standby", 0.0)

            instances.kill(leader)
            deadline = time.monotonic() + 60
            while _role(ports[standby.name]) != ("leader", 1.0):
                assert time.monotonic() < deadline, instances.logs()
                time.sleep(0.2)
        finally:
            instances.stop_all()
        assert standby.process.returncode == 0 and "Traceback" not in instances.logs(), instances.logs()


def _role(port: int) -> tuple[str, float]:
    """What /healthz says this instance is, and its duban_scheduler_leader gauge."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:  # the page starts a moment after the service says it has
        try:
            requests.get(f"{base}/healthz", timeout=10)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    scheduler = requests.get(f"{base}/healthz", timeout=10).json()["scheduler"]
    metrics = requests.get(f"{base}/metrics", timeout=10).text
    gauge = next(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "duban_scheduler_leader"
    )
    return scheduler, gauge


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_standby_runs_no_slot_and_catches_up_the_missed_ones_once_it_leads(app: App) -> None:
    leading = False
    now = datetime(2023, 10, 9, 8, 0, tzinfo=OFFICE_TZ)  # Monday after the National Day holiday
    service = Service(app, app.settings.schedule(), clock=lambda: now, leading=lambda: leading)
    daily = next(spec for spec in service.specs if spec.id == "daily")
    assert service.catch_up(now) == []
    service._fire(daily)  # its scheduler still ticks: the firing is left to the leader
    assert _slots(app) == []

    leading = True  # the leader died; this instance took the lock
    assert service.catch_up(now) == ["collect-monthly", "daily", "summary-weekly", "summary-monthly"]
    assert ("daily", "2023-10-08T09:00+08:00") in _slots(app)
    assert service.catch_up(now) == []  # a slot that ran is never run again


def _slots(app: App) -> list[tuple[str, str | None]]:
    with session_scope(app.engine) as session:
        return [(r.job, r.slot) for r in session.exec(select(JobRun).where(col(JobRun.slot).is_not(None)))]
