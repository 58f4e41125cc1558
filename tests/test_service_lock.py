"""The run lock: one run at a time, across threads and processes, with a clear "already running" —
on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli.exits import ExitCode
from bot.clock import office_morning
from bot.demo.backend import running_backend
from bot.wiring import App
from db.engine import session_scope
from db.models import JobRun
from domain.enums import RunStatus
from jobs.import_plans import import_files
from jobs.lock import AlreadyRunningError, acquire, current, heartbeat, held, release
from jobs.triggers import run_refresh
from tests.conftest import EXAMPLES
from tests.test_cli import duban
from tests.webkit import AS_OF

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2023, 10, 12, 1, 0, tzinfo=UTC)

pytestmark = pytest.mark.both_databases


def test_second_taker_is_refused_with_who_and_since(app: App) -> None:
    acquire(app.engine, holder="a", label="立即刷新（命令行）", now=T0)
    with pytest.raises(AlreadyRunningError) as raised:
        acquire(app.engine, holder="b", label="每日评估（定时任务）", now=T0 + timedelta(minutes=1))
    assert str(raised.value).startswith(
        "已有任务正在运行：立即刷新（命令行）（开始于 2023-10-12 09:00:00，进程 a）"
    )
    release(app.engine, holder="b")  # not b's to release: nothing happens
    assert current(app.engine) is not None
    release(app.engine, holder="a")
    acquire(app.engine, holder="b", label="每日评估（定时任务）", now=T0 + timedelta(minutes=2))
    lock = current(app.engine)
    assert lock is not None and lock.holder == "b"


def test_a_silent_holder_is_taken_over_after_the_timeout(app: App) -> None:
    acquire(app.engine, holder="dead", label="采集月度数据（定时任务）", now=T0)
    assert heartbeat(app.engine, holder="dead", now=T0 + timedelta(minutes=4))
    with pytest.raises(AlreadyRunningError):  # renewed 4 minutes in: still alive at 13
        acquire(app.engine, holder="new", label="立即刷新", now=T0 + timedelta(minutes=13))
    acquire(app.engine, holder="new", label="立即刷新", now=T0 + timedelta(minutes=15))
    assert not heartbeat(app.engine, holder="dead", now=T0 + timedelta(minutes=16))  # it knows it lost
    release(app.engine, holder="dead")
    lock = current(app.engine)
    assert lock is not None and lock.holder == "new"


@contextmanager
def held_by_another_process(data: Path, database_url: str | None) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.service_children", "hold", str(data)],
        cwd=ROOT,
        env={**os.environ, "DUBAN_DATABASE_URL": database_url or ""},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)


def test_refresh_is_refused_while_another_process_runs_then_works(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "wenxi.yaml"])
    data = app.settings.data_dir
    with running_backend() as backend:
        app.environ = {"DUBAN_DEMO_BACKEND_URL": backend}
        with held_by_another_process(data, app.settings.database_url) as child:
            with pytest.raises(AlreadyRunningError) as raised:
                run_refresh(app, as_of=AS_OF, now=office_morning(AS_OF))
            assert "另一个进程的测试任务" in str(raised.value)
            as_of = ["--as-of", "2023-10-12"]
            for verb in (["refresh", *as_of], ["collect"], ["notify", *as_of]):  # all under one lock
                cli = duban(data, *verb, database_url=app.settings.database_url)
                assert cli.returncode == ExitCode.BUSY, verb
                assert "已有任务正在运行：另一个进程的测试任务（开始于 " in cli.stderr
                assert "Traceback" not in cli.stderr
            assert child.stdin is not None
            child.stdin.close()
            assert child.stdout is not None and child.stdout.readline().strip() == "released"
        result = run_refresh(app, as_of=AS_OF, now=office_morning(AS_OF))
    assert result.collected is not None and result.collected.figures == 9
    assert current(app.engine) is None  # let go after the run
    with session_scope(app.engine) as session:
        runs = session.exec(select(JobRun).order_by(JobRun.id)).all()  # type: ignore[arg-type]
    refresh = [r for r in runs if r.job == "refresh"]
    assert len(refresh) == 1 and refresh[0].status is RunStatus.SUCCEEDED
    assert refresh[0].counts == {
        "figures": 9,
        "failures": 0,
        "findings": 1,
        "queued": 1,
        "sent": 1,
        "errors": 0,
    }
    stages = [r.job for r in runs if r.parent_id == refresh[0].id]
    assert stages == ["collect", "evaluate", "deliver"]


def test_a_killed_holder_s_lock_is_taken_at_once_on_postgresql_and_after_the_timeout_on_sqlite(
    app: App, database: str | None
) -> None:
    """On PostgreSQL the row's advisory guard dies with its holder's connection, so a standby
    that takes over from a killed leader runs straight away; SQLite (one instance) keeps the
    timeout, as a second process there may only be a slow one."""
    data = app.settings.data_dir
    with held_by_another_process(data, app.settings.database_url) as child:
        child.kill()
        child.wait(10)
    now = datetime.now(UTC)
    if database is None:
        with pytest.raises(AlreadyRunningError):
            acquire(app.engine, holder="next", label="立即刷新", now=now)
        return
    with held(app.engine, label="补跑错过的任务", purpose="catch-up", clock=lambda: now) as holder:
        lock = current(app.engine)
        assert lock is not None and lock.holder == holder and lock.label == "补跑错过的任务"
    assert current(app.engine) is None
