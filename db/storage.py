"""Where a SQLite database lives, and what is wrong with that disk when it cannot be written.

A full disk or a read-only one (a failing disk remounted read-only, a copy on read-only media, a
file without write permission) surfaces from SQLite as "disk I/O error", "database or disk is
full", "attempt to write a readonly database" or "unable to open database file". The
:func:`storage_problem` names the real cause and the path; :func:`read_only_engine` opens such a
database for reading only, without locking files it cannot create, so ``duban status`` still works.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

# Below this much free space an I/O error while writing is the disk being full: SQLite needs a
# few pages for its journal and 32 KiB for the -shm index before it can change anything.
NEARLY_FULL = 1024 * 1024


def sqlite_file(url: str | URL) -> Path | None:
    """The database file of a SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def read_only_disk(path: Path) -> bool:
    """Whether ``path`` (an existing file) cannot be written: a read-only filesystem, or no write
    permission on the file or its folder (SQLite writes its -wal and -shm files beside it)."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    return not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))


def free_bytes(path: Path) -> int | None:
    try:
        stats = os.statvfs(path.parent)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def storage_problem(path: Path, reason: str) -> str | None:
    """What is wrong with the disk holding the database ``path``, in words; None if nothing is."""
    if not path.parent.exists():
        return None
    lowered = reason.lower()
    if path.exists() and (read_only_disk(path) or "readonly" in lowered or "read-only" in lowered):
        return (
            f"数据库文件 {path} 所在的磁盘是只读的（或该文件、文件夹没有写权限），无法写入："
            "请检查磁盘是否出错后被改为只读挂载，以及文件权限；只读时仍可用 duban status 查看概况"
        )
    free = free_bytes(path)
    if "full" in lowered or "no space" in lowered or (free is not None and free < NEARLY_FULL):
        return (
            f"数据库文件 {path} 所在的磁盘已满（剩余 {free or 0:,} 字节），无法写入："
            "请清理该磁盘（例如旧日志、备份）后重试；数据没有丢失"
        )
    return None


def read_only_engine(path: Path) -> Engine:
    """An engine that only reads the SQLite file ``path`` and never creates or changes a file.

    A WAL database with unwritten log (a non-empty -wal file) is read through it (``mode=ro``).
    Without one the file is complete and is opened ``immutable``: SQLite then needs no -shm file,
    which cannot be created on a read-only or full disk.
    """
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    options = "mode=ro" if pending else "mode=ro&immutable=1"
    uri = f"file:{quote(str(path.resolve()))}?{options}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    engine = create_engine(f"sqlite:///{path}", creator=connect)
    event.listen(engine, "connect", _read_only_pragmas)
    return engine


def _read_only_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a bug that tries to write fails here, on every disk
    cursor.close()
