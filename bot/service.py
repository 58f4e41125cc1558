"""``duban run``: the unattended service.

APScheduler only triggers; what runs when is decided by :mod:`bot.schedule` (pure) and the run
table. Restart safety is the run table, not a pickled job store: every scheduled run records the
slot it stands for, and a slot that finished is never run again. On start, and on every outbox
sweep (every few minutes), each job's latest due slot runs if it has not run yet, so a machine that
was off or asleep runs a missed job once when it comes back. All runs take the database lock, so
nothing overlaps with a ``duban refresh`` from a terminal or the web page.

Only the leader runs the timetable (:mod:`bot.leadership`): on SQLite the one instance, on
PostgreSQL whichever instance holds the leader lock. A standby's scheduler keeps ticking and its
sweep keeps sending the outbox; when it becomes leader it catches up at once.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import threading
import time as systime
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import OperationalError

from bot import systemd
from bot.clock import wall_clock
from bot.leadership import leadership_for
from bot.wiring import App
from db.advisory import shared
from domain.errors import ConfigurationError
from domain.schedule import JobSpec, ScheduleConfig, catch_up_slot, job_specs, next_fires, slot_key
from domain.workdays import OFFICE_TZ
from jobs.collect_crew import Crew
from jobs.cycle import collector_of
from jobs.lock import AlreadyRunningError
from jobs.triggers import last_handled, run_scheduled, send_outbox

log = logging.getLogger("duban.service")


class SpecTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no types
    """An APScheduler trigger that asks :mod:`bot.schedule` for the next firing."""

    def __init__(self, spec: JobSpec, app: App) -> None:
        self.spec, self.app = spec, app

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time or now - timedelta(microseconds=1)
        fires = next_fires(self.spec, after, self.app.calendar)
        return fires[0] if fires else None

    def __str__(self) -> str:
        return self.spec.when.describe()


class Service:
    def __init__(
        self,
        app: App,
        config: ScheduleConfig,
        *,
        clock: Callable[[], datetime] = wall_clock,
        leading: Callable[[], bool] = lambda: True,
        sweep_seconds: float | None = None,
    ):
        self.app, self.config, self.clock, self.leading = app, config, clock, leading
        self.sweep_seconds = sweep_seconds or config.outbox_minutes * 60.0
        self.specs = job_specs(config)

    def due(self, spec: JobSpec, now: datetime, trigger: str) -> bool:
        """Run the latest due slot of ``spec`` if it has not run; True if it ran (or tried).

        A database that is locked past the busy timeout, or cannot be opened, stops the run at its
        next write. Every stage's writes are one transaction each, so nothing is half-kept; the
        slot stays unfinished and a later sweep runs it again.
        """
        try:
            slot = catch_up_slot(spec, now, self.app.calendar, last_handled(self.app.engine, spec.id))
        except OperationalError as error:
            _database_unusable(spec, None, error)
            return False
        if slot is None:
            return False
        log.info("开始 %s（%s），时段 %s，触发：%s", spec.id, spec.label, slot_key(slot), trigger)
        started = systime.monotonic()
        try:
            counts = run_scheduled(self.app, spec, slot=slot, now=now, trigger=trigger, clock=self.clock)
        except AlreadyRunningError as busy:
            log.info("%s 暂缓：%s；稍后自动补跑", spec.id, busy)
            return False
        except OperationalError as error:
            _database_unusable(spec, slot, error)
            return False
        except Exception:
            log.exception("失败 %s（时段 %s），已记录在运行记录中", spec.id, slot_key(slot))
            return True
        if counts is None:
            log.info("跳过 %s：时段 %s 已经运行过", spec.id, slot_key(slot))
            return False
        log.info("完成 %s：%s（用时 %.1f 秒）", spec.id, _counts(counts), systime.monotonic() - started)
        return True

    def catch_up(self, now: datetime, trigger: str = "catch-up") -> list[str]:
        """Every job whose latest slot has not run yet runs it now, once; returns their ids.

        Only on the leader: a standby leaves the timetable to it.
        """
        if not self.leading():
            return []
        return [spec.id for spec in self.specs if self.due(spec, now, trigger)]

    def sweep(self) -> None:
        """Every few minutes: send what is due in the outbox, and (the leader) run any slot missed."""
        now = self.clock()
        self.catch_up(now)
        try:
            counts = send_outbox(self.app, now=now, clock=self.clock)
        except AlreadyRunningError:
            return  # whoever holds the lock sends its own messages
        except OperationalError as error:
            log.error("数据库暂时无法使用（%s）：待发消息下次检查时再发", error.orig or error)
            return
        except Exception:
            log.exception("发送待发消息失败")
            return
        if counts is not None:
            log.info("完成 outbox：%s", _counts(counts))

    def scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone=OFFICE_TZ)
        for spec in self.specs:
            scheduler.add_job(
                self._fire,
                SpecTrigger(spec, self.app),
                kwargs={"spec": spec},
                id=spec.id,
                name=spec.label,
                max_instances=1,
                coalesce=True,  # asleep through several firings: one run when it wakes
                misfire_grace_time=None,
            )
        scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=OFFICE_TZ),
            id="outbox",
            name="发送待发消息并补跑错过的任务",
            max_instances=1,
            coalesce=True,
        )
        return scheduler

    def _fire(self, spec: JobSpec) -> None:
        if not self.leading():
            log.debug("备用实例不运行 %s：由主实例运行", spec.id)
            return
        self.due(spec, self.clock(), "scheduled")

    def describe(self, now: datetime, count: int = 3) -> list[tuple[JobSpec, list[datetime]]]:
        return [(spec, next_fires(spec, now, self.app.calendar, count)) for spec in self.specs]


def _database_unusable(spec: JobSpec, slot: datetime | None, error: OperationalError) -> None:
    reason = str(error.orig) if error.orig is not None else str(error)
    when = f"时段 {slot_key(slot)} " if slot else ""
    log.error(
        "数据库暂时无法使用（%s）：%s %s未能运行，数据库恢复后下次检查时自动补跑；"
        "如持续出现，请检查数据库文件所在磁盘或数据库服务",
        reason,
        spec.id,
        when,
    )


def _counts(counts: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in counts.items()) or "无"


def serve(app: App, config: ScheduleConfig, *, web: tuple[str, int] | None = None) -> None:
    """Run until SIGTERM or SIGINT: lead or stand by, then the scheduler (and the web page, if asked).

    On SQLite a second instance is refused here (:class:`bot.leadership.SecondInstanceError`).
    """
    sock = listen_for_web(*web) if web else None  # first: a taken port stops the service before it starts
    settings = app.settings
    leader = threading.Event()  # set when this instance becomes leader: catch up at once
    leadership = leadership_for(app.engine, poll=settings.leader_poll_seconds, on_lead=leader.set)
    service = Service(
        app, config, leading=lambda: leadership.leading, sweep_seconds=settings.outbox_poll_seconds
    )
    leadership.start()
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("收到信号 %s，正在停止（等待进行中的任务结束）", signal.Signals(signum).name)
        stop.set()
        leader.set()  # wakes the catch-up thread so that it ends

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    now = service.clock()
    for spec, fires in service.describe(now, 1):
        when = f"{fires[0]:%Y-%m-%d %H:%M}" if fires else "无"
        log.info("计划任务 %s（%s）：%s；下次 %s", spec.id, spec.label, spec.when.describe(), when)
    log.info("计划任务 outbox：每 %g 秒发送待发消息，主实例同时补跑错过的任务", service.sweep_seconds)
    scheduler = service.scheduler()
    heartbeat = systemd.watchdog_seconds()
    if heartbeat:  # from the scheduler's own thread: a scheduler that hangs stops the heartbeat
        scheduler.add_job(systemd.notify, IntervalTrigger(seconds=heartbeat), args=("WATCHDOG=1",))
    server = _start_web(app, web, scheduler, sock, role=lambda: leadership.role.value) if web else None
    scheduler.start()
    crew = _collection_crew(app)
    catch_up = threading.Thread(
        target=_catch_up_on_lead, args=(service, leader, stop), name="catch-up", daemon=True
    )
    catch_up.start()
    log.info("duban 服务已启动")
    systemd.notify("READY=1\nSTATUS=计划任务运行中")
    stop.wait()
    systemd.notify("STOPPING=1")
    scheduler.shutdown(wait=True)
    if crew is not None:
        crew.stop()
    catch_up.join()
    leadership.stop()
    if server is not None:
        server.should_exit = True
    log.info("duban 服务已停止")


def _collection_crew(app: App) -> Crew | None:
    """On PostgreSQL every instance takes a share of the leader's collection rounds; it looks for
    work as often as a standby asks for the leader's lock."""
    if not shared(app.engine):
        return None
    return Crew(app.engine, collector_of(app), clock=app.clock, poll=app.settings.leader_poll_seconds).start()


def _catch_up_on_lead(service: Service, leader: threading.Event, stop: threading.Event) -> None:
    """Each time this instance becomes leader (at start, or taking over), run the missed slots."""
    while True:
        leader.wait()
        if stop.is_set():
            return
        leader.clear()
        service.catch_up(service.clock())


def _has_users(app: App) -> bool:
    from sqlmodel import Session

    from db.users import any_user

    with Session(app.engine) as session:
        return any_user(session)


class WebPortError(ConfigurationError):
    """The web page's address cannot be listened on; the service does not start without it."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        if error.errno == errno.EADDRINUSE:
            problem = "已被占用（可能已有一个 duban 在运行，或别的程序在用这个端口）"
        elif error.errno in (errno.EACCES, errno.EPERM):
            problem = "没有权限使用（1024 以下的端口需要管理员权限）"
        else:
            problem = f"无法使用（{error.strerror or error}）"
        super().__init__(
            f"网页地址 {host}:{port} {problem}：服务未启动。"
            "请用 --port 换一个端口，或用 --no-web 只运行定时任务"
        )


def listen_for_web(host: str, port: int) -> socket.socket:
    """The web page's socket, bound before anything starts, so a taken port stops ``duban run``
    with a clear message instead of a service that runs without its page."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restarts reuse it
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise WebPortError(host, port, error) from None
    return sock


def _start_web(
    app: App,
    address: tuple[str, int],
    scheduler: BackgroundScheduler | None = None,
    sock: socket.socket | None = None,
    *,
    role: Callable[[], str] | None = None,
) -> Any:
    """Serve the page on ``sock`` (bound by :func:`listen_for_web`; bound here if not given)."""
    import uvicorn

    from bot.web.config import SERVER_OPTIONS, WebConfig
    from bot.web.routes import create_app

    page = create_app(app, WebConfig.from_app(app))
    page.state.scheduler = scheduler  # /healthz and /metrics say whether this instance schedules
    page.state.role = role  # ... and whether it leads or stands by
    config = uvicorn.Config(
        page,
        host=address[0],
        port=address[1],
        log_level="warning",
        **SERVER_OPTIONS,
    )
    server = uvicorn.Server(config)
    sockets = [sock or listen_for_web(*address)]
    threading.Thread(target=server.run, kwargs={"sockets": sockets}, name="web", daemon=True).start()
    log.info("网页：http://%s:%d/", *address)
    if not _has_users(app):
        log.warning("还没有网页用户：用 duban user add 用户名 添加后才能登录")
    return server
