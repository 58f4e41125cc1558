"""One run at a time, across processes and machines: a lock row in the database.

``duban refresh`` from a terminal, the web page's 立即刷新 and the scheduler's jobs all take the
same lock, so two of them never collect or send at once. The lock is a row in ``joblock``:
taking it is an INSERT that only one process can win (the name is the primary key), letting go
deletes it. Works the same on SQLite and PostgreSQL, with no advisory-lock dialect.

A holder renews ``heartbeat_at`` while it works. A process that died holding the lock (power cut,
kill -9) stops renewing, and after ``stale_after`` the next taker replaces it with one
conditional UPDATE, which again only one process can win.

On PostgreSQL, where several instances share the database, the row has a guard: a session
advisory lock of the same name, held on a connection of the holder's own while it holds the row.
The server lets go of it when the holder dies, so the next taker knows at once that a row left
behind is a dead holder's and replaces it, instead of waiting ``stale_after`` — a standby that
takes over from a killed leader can catch up straight away.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from db import advisory, runs
from db.models import JobLock
from domain.errors import DubanError
from domain.workdays import OFFICE_TZ

log = logging.getLogger(__name__)

RUN_LOCK = "run"  # the one lock every collecting or sending job takes
STALE_AFTER = timedelta(minutes=10)
BEAT_EVERY = timedelta(seconds=30)


class AlreadyRunningError(DubanError):
    """Someone else holds the lock: says who, and since when (Beijing time)."""

    def __init__(self, label: str, since: datetime, holder: str) -> None:
        self.label, self.since, self.holder = label, since, holder
        local = since.astimezone(OFFICE_TZ)
        super().__init__(
            f"已有任务正在运行：{label}（开始于 {local:%Y-%m-%d %H:%M:%S}，进程 {holder}），请等它结束后再试"
        )


def new_holder(purpose: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{purpose}:{uuid.uuid4().hex[:6]}"


def acquire(
    engine: Engine,
    *,
    holder: str,
    label: str,
    now: datetime,
    name: str = RUN_LOCK,
    stale_after: timedelta = STALE_AFTER,
    guard: Connection | None = None,
) -> None:
    """Take the lock or raise :class:`AlreadyRunningError`; a holder silent for ``stale_after`` loses it.

    With a ``guard`` connection (PostgreSQL), its advisory lock decides: taken, the row is ours
    whoever left it; not taken, a live holder has it.
    """
    if guard is not None:
        _acquire_guarded(engine, guard, holder=holder, label=label, now=now, name=name)
        return
    for _ in range(3):  # the holder may let go between our INSERT and our SELECT: try again
        if _insert(engine, name=name, holder=holder, label=label, now=now):
            return
        with Session(engine) as session, session.begin():
            taken = runs.take_stale_lock(
                session, name=name, holder=holder, label=label, now=now, silent_since=now - stale_after
            )
            if taken:
                log.warning("接管了一个失去心跳的运行锁 %s（原持有者已停止响应）", name)
                return
            current = runs.lock_row(session, name=name)
            if current is not None:
                raise AlreadyRunningError(current.label, current.started_at, current.holder)
    raise AlreadyRunningError(label, now, "?")  # pragma: no cover - three races in a row


def _insert(engine: Engine, *, name: str, holder: str, label: str, now: datetime) -> bool:
    """Write the lock's row; False when a row is there already (held, or left by a dead holder)."""
    try:
        with Session(engine) as session, session.begin():
            runs.insert_lock(session, name=name, holder=holder, label=label, now=now)
    except IntegrityError:
        return False
    return True


def _acquire_guarded(
    engine: Engine, guard: Connection, *, holder: str, label: str, now: datetime, name: str
) -> None:
    if not advisory.try_session_lock(guard, space=advisory.RUN_LOCK_SPACE, name=name):
        with Session(engine) as session:
            current = runs.lock_row(session, name=name)
        if current is None:  # its holder is between taking the guard and writing the row
            raise AlreadyRunningError(label, now, "?")
        raise AlreadyRunningError(current.label, current.started_at, current.holder)
    if _insert(engine, name=name, holder=holder, label=label, now=now):
        return
    with Session(engine) as session, session.begin():  # nobody alive holds the guard: its holder died
        runs.take_stale_lock(
            session, name=name, holder=holder, label=label, now=now, silent_since=now + timedelta(days=1)
        )
    log.warning("接管了运行锁 %s：原持有进程已经停止（它的数据库连接已断开）", name)


def _guard(engine: Engine) -> Connection | None:
    """A connection of our own for the lock's guard, on a database shared by several instances."""
    if not advisory.shared(engine):
        return None
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _drop_guard(guard: Connection, name: str) -> None:
    try:
        advisory.session_unlock(guard, space=advisory.RUN_LOCK_SPACE, name=name)
    except DBAPIError:  # the connection is gone, and the guard with it
        guard.invalidate()
    finally:
        guard.close()


def heartbeat(engine: Engine, *, holder: str, now: datetime, name: str = RUN_LOCK) -> bool:
    """Renew the lock; False if it is no longer ours (it was taken over as stale)."""
    with Session(engine) as session, session.begin():
        return runs.renew_lock(session, name=name, holder=holder, now=now)


def release(engine: Engine, *, holder: str, name: str = RUN_LOCK) -> None:
    with Session(engine) as session, session.begin():
        runs.delete_lock(session, name=name, holder=holder)


def current(engine: Engine, name: str = RUN_LOCK) -> JobLock | None:
    with Session(engine) as session:
        return runs.lock_row(session, name=name)


@contextmanager
def held(
    engine: Engine,
    *,
    label: str,
    purpose: str = "run",
    name: str = RUN_LOCK,
    clock: Callable[[], datetime],
    stale_after: timedelta = STALE_AFTER,
    beat_every: timedelta = BEAT_EVERY,
) -> Iterator[str]:
    """Hold the lock around the block, renewing it from a background thread; yields the holder id.

    The lock keeps real time (``clock``), whatever date a run evaluates as of.
    """
    holder = new_holder(purpose)
    guard = _guard(engine)
    try:
        acquire(
            engine, holder=holder, label=label, now=clock(), name=name, stale_after=stale_after, guard=guard
        )
    except BaseException:
        if guard is not None:
            _drop_guard(guard, name)
        raise
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(beat_every.total_seconds()):
            if not heartbeat(engine, holder=holder, now=clock(), name=name):
                log.error("运行锁 %s 已被其他进程接管（本进程心跳中断过久）", name)
                return

    thread = threading.Thread(target=beat, name=f"lock-{name}", daemon=True)
    thread.start()
    try:
        yield holder
    finally:
        stop.set()
        thread.join()
        try:
            release(engine, holder=holder, name=name)
        finally:
            if guard is not None:  # after the row: a taker that gets the guard finds the row gone
                _drop_guard(guard, name)
