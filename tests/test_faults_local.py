"""Faults on duban's own machine — the database locked or unreachable, the disk full while
evidence is written — each reported, nothing half-kept, and recovered without loss
(world: :mod:`tests.fault_world`)."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.service import Service
from db.engine import make_engine
from db.evidence import intact
from db.models import Alert, CollectionAttempt, Delivery, Evidence, JobRun, Measurement
from domain.schedule import JobSpec
from tests.fault_world import FIGURES, County, make_county


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    with make_county(tmp_path) as world:
        yield world


# -- the database ------------------------------------------------------------------------------------


def daily(county: County) -> tuple[Service, JobSpec]:
    service = Service(county.app, county.app.settings.schedule(), clock=county.clock)
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
    by injection: fsync and the collect job's flush to disk raise ENOSPC, as they do on a
    filesystem that defers allocation.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mounted = can_mount(folder)
    filler = folder / "filler"

    def refuse(*_: object) -> None:
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
            monkeypatch.setattr("db.evidence.DiskSync.flush", refuse)
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
        # No half file: on the full tmpfs nothing could be written; a file that was written but
        # could not be flushed is whole, and no row refers to it.
        left = [p for p in root.rglob("*") if p.is_file() and p.name != "filler"]
        assert all(p.name.startswith(hashlib.sha256(p.read_bytes()).hexdigest()) for p in left), left
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
