"""The service's promises: a missed job runs once after downtime, a restart never repeats a job
that completed, a run cut off mid-way is finished without sending anything twice, and
``duban run`` starts, prints its schedule and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.demo.backend import running_backend
from bot.service import Service, SpecTrigger
from bot.wiring import App
from db.engine import session_scope
from db.models import Delivery, JobRun
from domain.enums import DeliveryStatus, RunStatus
from domain.workdays import OFFICE_TZ
from jobs.cycle import run_collect
from jobs.import_plans import import_files
from jobs.lock import current
from tests.conftest import EXAMPLES
from tests.service_children import Recording, sent_ids

ROOT = Path(__file__).resolve().parents[1]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OFFICE_TZ)


@pytest.fixture
def county(app: App) -> Iterator[App]:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml", EXAMPLES / "wenxi.yaml"])
    with running_backend() as backend:
        app.environ = {"DUBAN_DEMO_BACKEND_URL": backend}
        app.notifier_for = lambda channel: Recording(app.settings.data_dir)  # type: ignore[method-assign]
        yield app


def service_at(app: App, moment: str) -> tuple[Service, datetime]:
    now = at(moment)
    return Service(app, app.settings.schedule(), clock=lambda: now), now


def runs(app: App) -> list[JobRun]:
    with session_scope(app.engine) as session:
        return list(session.exec(select(JobRun).where(JobRun.slot != None)))  # noqa: E711


def test_after_downtime_each_missed_job_runs_exactly_once(county: App) -> None:
    service, now = service_at(county, "2023-09-28 09:10")
    assert service.catch_up(now) == ["daily", "summary-weekly", "summary-monthly"]
    before = {(r.job, r.slot) for r in runs(county)}

    # Off from Thursday evening, through the National Day holiday and the 调休 weekend, to Monday.
    service, now = service_at(county, "2023-10-09 08:00")
    assert service.catch_up(now) == ["collect-monthly", "daily", "summary-weekly", "summary-monthly"]
    new = sorted((r.job, r.slot, r.trigger) for r in runs(county) if (r.job, r.slot) not in before)
    assert new == [
        ("collect-monthly", "2023-10-08T08:30+08:00", "catch-up"),
        ("daily", "2023-10-08T09:00+08:00", "catch-up"),
        ("summary-monthly", "2023-10-07T09:30+08:00", "catch-up"),
        ("summary-weekly", "2023-10-07T09:30+08:00", "catch-up"),
    ]
    assert all(r.status is RunStatus.SUCCEEDED for r in runs(county))
    collect = next(r for r in runs(county) if r.job == "collect-monthly")
    assert collect.counts == {"figures": 9, "failures": 0}
    assert collect.as_of == "2023-10-09"  # a late run judges the day it runs on

    # Restarted again the same morning: everything that completed stays completed.
    service, now = service_at(county, "2023-10-09 08:20")
    assert service.catch_up(now) == []
    # Monday's own 08:30 and 09:00 slots then run as usual, once, however often they are triggered.
    service, now = service_at(county, "2023-10-09 09:00")
    assert service.catch_up(now, "scheduled") == ["collect-monthly", "daily"]
    assert service.catch_up(now, "scheduled") == []
    assert Counter(r.job for r in runs(county)) == {
        "daily": 3,
        "summary-weekly": 2,
        "summary-monthly": 2,
        "collect-monthly": 2,
    }


def test_a_summary_is_queued_once_per_slot_for_the_leaders(county: App) -> None:
    service, now = service_at(county, "2023-10-07 09:45")
    service.catch_up(now)
    with session_scope(county.engine) as session:
        summaries = session.exec(select(Delivery).where(Delivery.dedup_key.startswith("summary/"))).all()  # type: ignore[attr-defined]
    assert sorted(d.dedup_key for d in summaries) == [
        "summary/month/2023年10月/pianguan/pianguan-leaders",
        "summary/month/2023年10月/wenxi/wenxi-leaders",
        "summary/week/2023年第40周/pianguan/pianguan-leaders",
        "summary/week/2023年第40周/wenxi/wenxi-leaders",
    ]
    wenxi = next(d for d in summaries if d.dedup_key == "summary/week/2023年第40周/wenxi/wenxi-leaders")
    assert wenxi.subject == "【督办周报】闻喜县桐城e镇项目（2023年第40周）"
    assert "S36 网络零售额" in wenxi.body and "60.3%" in wenxi.body and "75.0%" in wenxi.body
    assert all(d.status is DeliveryStatus.SENT for d in summaries)


def test_a_run_cut_off_mid_way_is_finished_after_restart_without_sending_twice(county: App) -> None:
    data = county.settings.data_dir
    run_collect(county, now=at("2023-10-12 08:30"))  # figures in: both working groups have news
    crashed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.service_children",
            "crash-daily",
            str(data),
            county.environ["DUBAN_DEMO_BACKEND_URL"],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == 3, crashed.stderr  # died while sending the second message
    assert len(sent_ids(data)) == 1
    daily = [r for r in runs(county) if r.job == "daily"]
    assert [r.status for r in daily] == [RunStatus.RUNNING]  # nobody lived to finish the record
    assert current(county.engine) is not None  # … or to let go of the lock

    # Restarted five minutes later: the dead holder's lock is not stale yet, so the job waits.
    service, now = service_at(county, "2023-10-12 09:05")
    daily_spec = next(spec for spec in service.specs if spec.id == "daily")
    assert not service.due(daily_spec, now, "catch-up")
    # Twenty minutes later the lock is taken over and the unfinished slot runs again.
    service, now = service_at(county, "2023-10-12 09:20")
    assert service.due(daily_spec, now, "catch-up")
    sent = sent_ids(data)
    assert len(sent) == len(set(sent)) == 2  # each message once: the first was not sent again
    with session_scope(county.engine) as session:
        deliveries = session.exec(select(Delivery)).all()
    assert len(deliveries) == 2 and {d.status for d in deliveries} == {DeliveryStatus.SENT}
    finished = [r for r in runs(county) if r.job == "daily" and r.status is RunStatus.SUCCEEDED]
    assert len(finished) == 1 and finished[0].counts["queued"] == 0 and finished[0].counts["sent"] == 1
    assert current(county.engine) is None


def test_apscheduler_trigger_follows_the_rules(app: App) -> None:
    service, _ = service_at(app, "2023-09-28 12:00")
    daily = next(s for s in service.specs if s.id == "daily")
    trigger = SpecTrigger(daily, app)
    first = trigger.get_next_fire_time(None, at("2023-09-28 12:00"))
    assert first == at("2023-10-07 09:00")
    assert trigger.get_next_fire_time(first, first) == at("2023-10-08 09:00")
    assert trigger.get_next_fire_time(None, at("2023-10-08 09:00")) == at("2023-10-08 09:00")
    scheduler = service.scheduler()
    assert [job.id for job in scheduler.get_jobs()] == [
        "collect-monthly",
        "daily",
        "summary-weekly",
        "summary-monthly",
        "outbox",
    ]


def test_duban_run_prints_its_schedule_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(DUBAN_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-web"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        lines.append(line)
        if "duban 服务已启动" in line:
            break
    time.sleep(1)
    child.send_signal(signal.SIGTERM)
    rest, _ = child.communicate(timeout=60)
    text = "".join(lines) + rest
    assert child.returncode == 0, text
    assert "计划任务 daily（每日评估并发送提醒）：每个工作日 09:00；下次 " in text
    assert "计划任务 collect-monthly（采集月度数据）：每月1—10日的工作日及其后第一个工作日 08:30" in text
    assert "收到信号 SIGTERM，正在停止" in text and "duban 服务已停止" in text
    assert "Traceback" not in text


def test_duban_run_refuses_to_start_when_the_web_port_is_taken(tmp_path: Path) -> None:
    """Before, the service logged "服务已启动" and ran on without its page."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(DUBAN_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", COLUMNS="200")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        child = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            text, _ = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGTERM)
            text, _ = child.communicate(timeout=60)
            pytest.fail(f"duban run kept running without its page:\n{text}")
    assert child.returncode == 1, text
    assert f"网页地址 127.0.0.1:{port} 已被占用" in text and "--no-web" in text
    assert "服务已启动" not in text and "Traceback" not in text


def test_duban_web_says_in_chinese_that_the_port_is_taken(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "web", "--port", str(port)])
    assert answer.exit_code == 1
    assert f"网页地址 127.0.0.1:{port} 已被占用" in answer.output
