"""Engine, sessions and schema upgrades. Nothing here runs at import time.

Every command upgrades first, so the common case — the schema is already current — is answered by
one plain query of ``alembic_version`` against :data:`HEAD_REVISION`; Alembic (slow to import) is
loaded only when a database is new or behind. ``tests/test_migrations.py`` checks the constant
against the migrations folder's real head.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0024"  # the newest file in migrations/versions; a new migration updates it


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so jobs can share it."""
    if url.startswith("sqlite"):
        _create_private_file(url)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _postgres_text)
    return engine


def _create_private_file(url: str) -> None:
    """Create a new SQLite database file readable by the service's user only (0600) before SQLite
    creates it with the umask's mode (usually readable by all); its -wal and -shm files take the
    database file's mode. An empty file is a valid empty database; an existing one is left as is."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a missing or unwritable folder: SQLite's own error says so when it connects


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_text(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL text cannot hold NUL, which SQLite stores and a broken page or a JSON string can
    carry into a cell, a label or an error message. Rather than fail the whole run on storing it,
    the character is kept visible as U+FFFD, the mark for a character that could not be kept."""
    from db.pgtext import NulSafeText

    dbapi_connection.adapters.register_dumper(str, NulSafeText)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def schema_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database says it is at; empty for a database Alembic never touched."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database schema to ``revision`` (creating it on an empty database).

    A database already at the head is left alone without loading Alembic. When it is not, Alembic
    runs, and ``migrations/env.py`` takes a lock so processes upgrading at once wait for each other
    (each then finds the schema current).
    """
    if revision == "heads" and schema_revisions(engine) == {HEAD_REVISION}:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
