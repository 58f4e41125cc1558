"""The read-only queries behind ``/healthz`` and ``/metrics``, in SQLAlchemy Core.

A monitor scrapes these every few seconds from every instance, so they read a handful of columns
with aggregate queries on light ``table()`` clauses (as ``db.overview`` does) and never load rows
one by one. Everything here is derived from the database, not from one process's memory, so any
instance answers for the whole deployment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Integer, String, column, func, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from db.types import UTCDateTime

PROJECT = table("project", column("id", Integer), column("code", String))
ATTEMPT = table(
    "collectionattempt",
    column("project_id", Integer),
    column("source_code", String),
    column("started_at", UTCDateTime),
    column("ok", Boolean),
)
DELIVERY = table(
    "delivery",
    column("status", String),
    column("created_at", UTCDateTime),
)
RUN = table(
    "jobrun",
    column("job", String),
    column("status", String),
    column("started_at", UTCDateTime),
    column("finished_at", UTCDateTime),
)
TABLES = (PROJECT, ATTEMPT, DELIVERY, RUN)


class SourceHealth(NamedTuple):
    project: str
    source: str
    last_success: datetime | None
    failures: int  # collection attempts that failed, ever


class RunTotal(NamedTuple):
    job: str
    status: str  # RunStatus's value
    runs: int
    seconds: float  # summed duration of the finished ones


def reachable(connection: Connection) -> None:
    """Raises the driver's error when the database does not answer."""
    connection.execute(text("SELECT 1"))


def sources(connection: Connection) -> list[SourceHealth]:
    """Per project and source: the last successful collection and how many attempts failed."""
    a = ATTEMPT.c
    last_ok = func.max(a.started_at).filter(a.ok.is_(True))
    failed = func.count().filter(a.ok.is_(False))
    query = (
        select(PROJECT.c.code, a.source_code, last_ok, failed)
        .select_from(ATTEMPT.join(PROJECT, PROJECT.c.id == a.project_id))
        .group_by(PROJECT.c.code, a.source_code)
        .order_by(PROJECT.c.code, a.source_code)
    )
    return [
        SourceHealth(code, source, ok, int(failures))
        for code, source, ok, failures in connection.execute(query)
    ]


def outbox_depth(connection: Connection) -> dict[str, int]:
    """Messages by delivery status (pending, sent, dead)."""
    query = select(DELIVERY.c.status, func.count()).group_by(DELIVERY.c.status)
    return {status: int(count) for status, count in connection.execute(query)}


def oldest_pending(connection: Connection) -> datetime | None:
    """When the oldest message still waiting to go out was queued."""
    query = select(func.min(DELIVERY.c.created_at)).where(DELIVERY.c.status == "pending")
    value: datetime | None = connection.execute(query).scalar_one()
    return value


def run_totals(connection: Connection) -> list[RunTotal]:
    """Job runs by job and status, with the summed duration of the finished ones in seconds."""
    r = RUN.c
    seconds = func.coalesce(func.sum(_seconds_between(connection, r.started_at, r.finished_at)), 0)
    query = select(r.job, r.status, func.count(), seconds).group_by(r.job, r.status).order_by(r.job, r.status)
    return [
        RunTotal(job, status, int(count), float(total))
        for job, status, count, total in connection.execute(query)
    ]


def _seconds_between(
    connection: Connection, start: ColumnElement[Any], end: ColumnElement[Any]
) -> ColumnElement[Any]:
    """``end - start`` in seconds, in the database (SQLite keeps times as text, PostgreSQL as timestamps)."""
    if connection.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)
