"""Who runs the timetable: one leader per database, the other ``duban run`` instances on standby.

On PostgreSQL several instances may share the database (docs/service.md, 省级部署). The leader is
whoever holds the leader's advisory lock, on a connection kept open for it (:mod:`db.advisory`).
A standby asks for the lock again every ``poll`` seconds; the server lets go of it the moment the
leader's connection ends, so when the leader is killed a standby takes over within one poll and
catches up the slots it missed (the run table says which ran). The leader checks its connection
as often and steps down if it is lost. Every instance, leader or standby, sends the outbox and
takes a share of each collection round (:mod:`jobs.collect_spread`).

Two leaders for a moment (a leader that has not yet noticed its connection is gone) would do no
harm: every scheduled run takes the run lock and skips a slot that already ran.

On SQLite there is one instance: a second ``duban run`` on the same database file is refused,
through an operating-system lock on a file beside it, which the system lets go of however the
process ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from db import advisory
from domain.errors import ConfigurationError

log = logging.getLogger("duban.service")


class Role(StrEnum):
    LEADER = "leader"
    STANDBY = "standby"


class SecondInstanceError(ConfigurationError):
    """A ``duban run`` already uses this SQLite database."""

    def __init__(self, database: Path, pid: str) -> None:
        self.database, self.pid = database, pid
        super().__init__(
            f"已有一个 duban run（进程 {pid or '未知'}）在使用数据库 {database}，"
            "同一个 SQLite 数据库只能运行一个实例。请先停止那个进程再启动；"
            "如需多个实例互为备份，请改用 PostgreSQL（见 docs/service.md「省级部署：多实例」）"
        )


class Leadership:
    """The base: ``leading`` says whether this instance runs the timetable now."""

    leading: bool = False

    @property
    def role(self) -> Role:
        return Role.LEADER if self.leading else Role.STANDBY

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


def leadership_for(engine: Engine, *, poll: float, on_lead: Callable[[], None]) -> Leadership:
    """An election among instances on PostgreSQL; the only instance on SQLite."""
    if advisory.shared(engine):
        return Election(engine, poll=poll, on_lead=on_lead)
    database = engine.url.database
    path = Path(database).resolve() if database and database != ":memory:" else None
    return SingleInstance(path, on_lead=on_lead)


class SingleInstance(Leadership):
    """SQLite: this instance leads, and refuses to start beside another one on the same file."""

    def __init__(self, database: Path | None, *, on_lead: Callable[[], None]) -> None:
        self.database, self.on_lead = database, on_lead
        self._file: IO[str] | None = None

    def start(self) -> None:
        """Take the instance lock, or raise :class:`SecondInstanceError` naming who holds it."""
        if self.database is not None:
            self._file = _lock_beside(self.database)
        self.leading = True
        log.info("单实例运行（SQLite）：本实例负责定时任务和发送消息")
        self.on_lead()

    def stop(self) -> None:
        if self._file is not None:
            self._file.close()  # closing lets go of the lock
            self._file = None


def _lock_beside(database: Path) -> IO[str]:
    path = database.with_name(database.name + ".run.lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip()
        handle.close()
        raise SecondInstanceError(database, pid) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


class Election(Leadership):
    """PostgreSQL: lead while holding the leader lock; otherwise stand by and ask every ``poll`` s."""

    def __init__(self, engine: Engine, *, poll: float, on_lead: Callable[[], None]) -> None:
        self.engine, self.poll, self.on_lead = engine, poll, on_lead
        self._connection: Connection | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leader-election", daemon=True)
        self._said_standby = False

    def start(self) -> None:
        """Ask once now (so the start-up log says which this instance is), then keep asking."""
        self.step()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._drop()

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            self.step()

    def step(self) -> None:
        """One look: the leader checks its connection; a standby asks for the lock."""
        try:
            connection = self._connect()
            if self.leading:
                advisory.still_leading(connection)
                return
            if advisory.try_lead(connection):
                self.leading, self._said_standby = True, False
                log.info("本实例成为主实例（leader）：由本实例运行定时任务，先补跑错过的任务")
                self.on_lead()
            elif not self._said_standby:
                self._said_standby = True
                log.info(
                    "本实例为备用实例（standby）：另一实例正在运行定时任务；本实例照常发送待发消息、分担采集，"
                    "每 %g 秒检查一次，主实例停止后自动接替",
                    self.poll,
                )
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            if self.leading:
                log.error("与数据库的连接中断（%s）：本实例不再是主实例，数据库恢复后重新竞选", reason)
            else:
                log.warning("备用实例无法连接数据库（%s）：稍后再试", reason)
            self.leading, self._said_standby = False, False
            self._drop()

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            advisory.keep_alive(connection)
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        """Close the leader's connection; the server lets go of the lock with it."""
        if self._connection is None:
            return
        try:
            self._connection.invalidate()  # never back into the pool with the lock on it
            self._connection.close()
        except SQLAlchemyError:
            pass
        self._connection = None
        self.leading = False
