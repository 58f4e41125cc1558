"""Faults of the outside world: each is reported to someone who can act, and clears without loss.

Two counties (闻喜 and 昭化, from ``examples/``) on a real SQLite file, collecting from a backend
on 127.0.0.1 that can be told to misbehave, sending live to the fake WeCom server and aiosmtpd.
The service's own entry points run it: :func:`jobs.refresh.run_cycle` (collect → evaluate →
deliver) for a working day and :func:`jobs.scheduled.send_outbox` for the five-minute sweeps.
Time is a :class:`FakeClock`, so an hour of retries takes milliseconds.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import App
from bot.demo.backend import monthly_rows, render_monthly
from bot.demo.server import Request, Response, serve
from bot.plan.files import import_files
from bot.schedule import JobSpec, ScheduleConfig
from bot.service import Service
from bot.settings import Settings
from bot.workdays import OFFICE_TZ
from collectors.base import CollectorEnv
from collectors.http import HttpClient
from db.engine import make_engine
from db.enums import DeliveryStatus
from db.evidence import intact
from db.models import Alert, CollectionAttempt, Delivery, Evidence, JobRun, Measurement
from jobs.refresh import CycleResult, run_cycle
from jobs.scheduled import send_outbox
from notifiers.wecom_app import TokenCache
from tests.conftest import EXAMPLES
from tests.fakes.clock import FakeClock
from tests.fakes.smtp_server import Mailbox, smtp_server
from tests.fakes.wecom_server import FakeWeCom, running

KEY = "key-wenxi"
KEYS = {"DUBAN_WECOM_KEY_WENXI": KEY, "DUBAN_WECOM_KEY_ZHAOHUA": "key-zhaohua"}
DEAD_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
FIGURES = 9  # what the 闻喜 backend page yields when it is well


class Backend:
    """The 闻喜 statistics page, which can be told to be slow, fail, talk nonsense or change."""

    def __init__(self) -> None:
        self.fault: str | None = None

    def page(self, _request: Request) -> Response:
        rows = monthly_rows()
        if self.fault == "slow":
            return Response(200, render_monthly(rows), "text/html; charset=gbk", delay=1.0)
        if self.fault == "http-500":
            return Response(500, "<html><body>系统繁忙，请稍后再试</body></html>".encode("gbk"))
        if self.fault == "garbage":
            return Response(200, bytes(range(256)) * 8, "text/html")
        if self.fault == "layout":
            renamed = [{("统计期" if k == "月份" else k): v for k, v in row.items()} for row in rows]
            return Response(200, render_monthly(renamed), "text/html; charset=gbk")
        return Response(200, render_monthly(rows), "text/html; charset=gbk")


@dataclass
class County:
    app: App
    clock: FakeClock
    wecom: FakeWeCom
    mail: Mailbox
    backend: Backend
    backend_url: str

    def cycle(self) -> CycleResult:
        now = self.clock()
        return run_cycle(self.app, as_of=now.astimezone(OFFICE_TZ).date(), now=now, trigger="scheduled")

    def sweep(self) -> None:
        send_outbox(self.app, now=self.clock(), clock=self.clock)

    def next_day(self) -> None:
        self.clock.advance(24 * 3600)

    def robot(self) -> list[str]:
        """What the 闻喜 group received (markdown and text), in order."""
        return [m[m["msgtype"]]["content"] for m in self.wecom.robot_messages(KEY)]

    def session(self) -> Session:
        return Session(self.app.engine)


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    clock = FakeClock(datetime(2023, 10, 12, 1, 0, tzinfo=UTC))  # Thursday 09:00 in Beijing
    backend = Backend()
    with (
        serve({"/wenxi/monthly": backend.page}) as site,
        running(FakeWeCom(clock=clock, robot_keys=set(KEYS.values()))) as wecom,
        smtp_server(tmp_path) as mail,
    ):
        settings = Settings(
            data_dir=tmp_path / "data",
            delivery="live",
            wecom_api_base=wecom.url,
            smtp_host="127.0.0.1",
            smtp_port=mail.port,
            smtp_security="none",
            smtp_from="duban@example.com",
            admin_email="admin@example.com",
            http_timeout=0.5,
        )
        app = App.build(settings, {**KEYS, "DUBAN_DEMO_BACKEND_URL": site.url})
        app.tokens = TokenCache(clock)
        app._collector_env = CollectorEnv(HttpClient(timeout=0.5, backoff=0.01), settings.data_dir)
        app.init_database()
        import_files(app.engine, [EXAMPLES / "wenxi.yaml", EXAMPLES / "zhaohua.yaml"])
        yield County(app, clock, wecom, mail, backend, site.url)
        app.engine.dispose()


def admin_mail(county: County) -> list[str]:
    return [
        m.get_body(("plain",)).get_content() for m in county.mail.received if "admin@example.com" in m["To"]
    ]


# -- backends --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("slow", "秒内没有响应"),
        ("down", "连接"),
        ("http-500", "500"),
        ("garbage", "无法解码"),
        ("layout", "月份"),
    ],
)
def test_a_backend_fault_is_reported_then_collected_once_it_clears(
    county: County, fault: str, reason: str
) -> None:
    if fault == "down":
        county.app.environ = {**county.app.environ, "DUBAN_DEMO_BACKEND_URL": DEAD_PORT_URL}
    county.backend.fault = fault
    result = county.cycle()

    assert result.collected is not None and result.collected.figures == 0
    with county.session() as session:
        attempt = session.exec(select(CollectionAttempt)).one()
        assert not attempt.ok and reason in (attempt.error or ""), attempt.error
        assert session.exec(select(Measurement)).all() == []  # nothing read as zero
    told = "\n".join(county.robot())
    assert "数据源 桐城e镇电商公共服务中心数据后台 采集失败" in told and "请管理员检查数据源" in told

    county.backend.fault = None
    county.app.environ = {**county.app.environ, "DUBAN_DEMO_BACKEND_URL": county.backend_url}
    county.next_day()
    result = county.cycle()

    assert result.collected is not None and result.collected.figures == FIGURES
    with county.session() as session:
        figures = session.exec(select(Measurement)).all()
        assert len(figures) == FIGURES
        assert all(
            intact(county.app.settings.evidence_dir, session.get(Evidence, m.evidence_id)) for m in figures
        )  # type: ignore[arg-type]
        alert = session.exec(select(Alert).where(col(Alert.key).endswith("/collection"))).one()
        assert alert.state.value == "resolved"
    assert "数据源已恢复采集" in county.robot()[-1]


# -- channels ----------------------------------------------------------------------------------------


def settle(county: County, sweeps: int = 30) -> None:
    """Sweep every five minutes, as the service does, until nothing is pending."""
    for _ in range(sweeps):
        with county.session() as session:
            if not session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)).all():
                return
        county.clock.advance(300)
        county.sweep()
    raise AssertionError("still pending")


def statuses(county: County) -> dict[str, list[str]]:
    with county.session() as session:
        found: dict[str, list[str]] = {}
        for d in session.exec(select(Delivery).order_by(col(Delivery.id))):
            found.setdefault(d.channel_code, []).append(d.status.value)
        return found


def test_wecom_down_for_an_hour_is_reported_and_everything_arrives_once_it_is_back(county: County) -> None:
    live = county.app.settings
    county.app.settings = live.model_copy(update={"wecom_api_base": DEAD_PORT_URL})
    result = county.cycle()
    assert result.delivered.retrying == 2  # both groups' digests wait; the leaders' email went out
    for _ in range(12):  # an hour of sweeps with WeCom unreachable
        county.clock.advance(300)
        county.sweep()
    assert county.wecom.received == []
    told = admin_mail(county)
    assert len(told) == 2 and all("连不上企业微信" in text for text in told)  # one per digest, once
    assert "仍在重试" in county.mail.received[-1]["Subject"]

    county.app.settings = live  # back
    settle(county)
    assert [len(county.wecom.robot_messages(k)) for k in sorted(KEYS.values())] == [
        1,
        2,
    ]  # 昭化's is in two parts
    assert len(set(county.robot())) == len(county.robot()) == 1
    assert statuses(county) == {
        "wenxi-work": ["sent"],
        "zhaohua-work": ["sent"],
        "zhaohua-leaders": ["sent"],
        "admin": ["sent", "sent"],
    }


def test_smtp_temporary_refusals_are_retried_and_reported_if_they_last(county: County) -> None:
    county.app.settings = county.app.settings.model_copy(
        update={"admin_email": None, "admin_channel": "wenxi-work"}
    )
    county.mail.reply_next = ["451 4.3.0 Mailbox busy, try again later"] * 6
    county.cycle()
    settle(county)
    assert len(county.mail.received) == 1  # the leaders' digest, once, on the seventh try
    failing = [text for text in county.robot() if "仍在自动重试" in text]
    assert len(failing) == 1 and "451 4.3.0" in failing[0] and "暂时不收" in failing[0]


def test_smtp_permanent_refusal_stops_at_once_and_tells_the_administrator(county: County) -> None:
    county.app.settings = county.app.settings.model_copy(
        update={"admin_email": None, "admin_channel": "wenxi-work"}
    )
    county.mail.reply_next = ["550 5.1.1 Mailbox unavailable"]
    county.cycle()
    assert statuses(county)["zhaohua-leaders"] == ["dead"]
    told = [text for text in county.robot() if "需要管理员处理" in text or "无法送达" in text]
    assert len(told) == 1 and "550 5.1.1 Mailbox unavailable" in told[0] and "核对收件地址" in told[0]
    county.clock.advance(3 * 3600)
    county.sweep()
    assert county.mail.received == []  # a permanent refusal is not retried


# -- the database ------------------------------------------------------------------------------------


def daily(county: County) -> tuple[Service, JobSpec]:
    service = Service(county.app, ScheduleConfig(), clock=county.clock)
    return service, next(spec for spec in service.specs if spec.id == "daily")


def runs(county: County) -> list[tuple[str, str]]:
    with county.session() as session:
        return [(r.job, r.status.value) for r in session.exec(select(JobRun).order_by(col(JobRun.id)))]


@contextmanager
def write_locked(path: Path, seconds: float | None = None) -> Iterator[None]:
    """Another connection holds SQLite's write lock (``BEGIN IMMEDIATE``), for ``seconds`` or the block."""
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(seconds, other.rollback) if seconds is not None else None
    if timer is not None:
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.join()
        other.rollback()
        other.close()


def test_a_briefly_locked_database_makes_the_job_wait_not_fail(county: County) -> None:
    service, spec = daily(county)
    started = time.monotonic()
    with write_locked(county.app.settings.data_dir / "duban.db", seconds=1.0):
        assert service.due(spec, county.clock(), "scheduled")
    assert time.monotonic() - started >= 1.0  # it waited (SQLite busy timeout) …
    assert runs(county)[0] == ("daily", "succeeded")  # … and then did its work
    assert len(county.robot()) == 1


def test_a_database_locked_for_too_long_stops_the_job_cleanly_and_the_slot_runs_later(
    county: County, caplog: pytest.LogCaptureFixture
) -> None:
    county.app.engine.dispose()
    county.app.engine = make_engine(county.app.settings.db_url, connect_args={"timeout": 0.3})
    service, spec = daily(county)
    with write_locked(county.app.settings.data_dir / "duban.db"), caplog.at_level(logging.ERROR):
        assert not service.due(spec, county.clock(), "scheduled")
    assert (
        "数据库暂时无法使用（database is locked）：daily 时段 2023-10-12T09:00+08:00 未能运行" in caplog.text
    )
    assert runs(county) == [] and county.wecom.received == []  # nothing half-done
    with county.session() as session:
        assert session.exec(select(Alert)).all() == [] and session.exec(select(Delivery)).all() == []

    county.clock.advance(300)  # the next sweep
    service.catch_up(county.clock())
    assert ("daily", "succeeded") in runs(county)
    assert len(county.robot()) == 1


def test_an_unreachable_database_is_reported_and_the_slot_runs_once_it_is_back(
    county: County, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite is a file, so "unreachable" means it cannot be opened: the disk or network share
    holding it is gone. Here its folder is moved away while the service has no connection open
    (as after a restart), and moved back; PostgreSQL outages are tested with PostgreSQL."""
    folder = county.app.settings.data_dir / "db"
    folder.mkdir()
    county.app.engine.dispose()
    shutil.move(county.app.settings.data_dir / "duban.db", folder / "duban.db")
    county.app.engine = make_engine(f"sqlite:///{folder / 'duban.db'}")
    service, _ = daily(county)
    away = folder.with_name("db-away")
    folder.rename(away)
    with caplog.at_level(logging.ERROR):
        assert service.catch_up(county.clock()) == []
        service.sweep()
    assert "数据库暂时无法使用（unable to open database file）" in caplog.text
    assert not folder.exists()  # nothing created in its place

    away.rename(folder)
    county.clock.advance(300)
    assert service.catch_up(county.clock()) == [
        "collect-monthly",
        "daily",
        "summary-weekly",
        "summary-monthly",
    ]
    assert len(county.robot()) == 1
    assert {status for _, status in runs(county)} == {"succeeded"}


# -- the disk ----------------------------------------------------------------------------------------


@contextmanager
def full_disk(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """``folder`` on a full disk; yields the function that frees the space.

    Where the test may mount (root, as here and in CI), ``folder`` is a 64 KiB tmpfs filled to
    the last byte: the kernel itself answers ENOSPC. Where it may not, writing fails the same way
    by injection: fsync raises ENOSPC, as it does on a filesystem that defers allocation.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mounted = can_mount(folder)
    filler = folder / "filler"

    def refuse(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def free() -> None:
        if mounted:
            filler.unlink()
        else:
            monkeypatch.undo()

    try:
        if mounted:
            fill(filler)
        else:
            monkeypatch.setattr("db.evidence.os.fsync", refuse)
        yield free
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def can_mount(folder: Path) -> bool:
    """Mount a 64 KiB tmpfs on ``folder``; False where this process may not mount."""
    try:
        command = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the filesystem has no byte left."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)


@pytest.mark.parametrize("backend", [None, "http-500"])  # the page, or the error page kept as evidence
def test_a_full_disk_while_writing_evidence_is_a_recorded_failure_never_a_figure_without_it(
    county: County, monkeypatch: pytest.MonkeyPatch, backend: str | None
) -> None:
    root = county.app.settings.evidence_dir
    county.backend.fault = backend
    with full_disk(root, monkeypatch) as free:
        result = county.cycle()
        assert result.collected is not None and result.collected.figures == 0
        with county.session() as session:
            attempt = session.exec(select(CollectionAttempt)).one()
            assert not attempt.ok and "佐证文件无法保存（磁盘空间已满）" in (attempt.error or "")
            assert backend is None or "HTTP 500" in (attempt.error or "")  # the first reason is kept too
            assert (
                session.exec(select(Measurement)).all() == [] and session.exec(select(Evidence)).all() == []
            )
        assert [p.name for p in root.rglob("*") if p.is_file() and p.name != "filler"] == []  # no half file
        assert "佐证文件无法保存（磁盘空间已满）" in county.robot()[-1]

        free()
        county.backend.fault = None
        county.next_day()
        result = county.cycle()
        assert result.collected is not None and result.collected.figures == FIGURES
        with county.session() as session:
            kept = session.exec(select(Evidence)).all()
            assert len(kept) == 1 and intact(root, kept[0])
        assert "数据源已恢复采集" in county.robot()[-1]
