"""The read-only queries behind ``duban status``, in SQLAlchemy Core.

``duban status`` is the command people type to see where things stand, so it must start quickly:
these queries name the few columns they read on light ``table()`` clauses instead of loading the
ORM models (SQLModel, pydantic and the mapper cost more than the rest of the command together).
``tests/test_overview.py`` checks every column named here against the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import JSON, Boolean, Date, Integer, String, column, desc, func, select, table
from sqlalchemy.engine import Connection

from db.types import UTCDateTime, code_point_order

PROJECT = table("project", column("id", Integer), column("code", String), column("name", String))
ITEM = table(
    "rectificationitem",
    column("id", Integer),
    column("project_id", Integer),
    column("batch", String),
    column("number", String),
    column("persons", JSON),
    column("units", JSON),
    column("deadline", Date),
    column("ongoing", Boolean),
    column("status", String),
)
INDICATOR = table("indicator", column("id", Integer), column("project_id", Integer))
ATTEMPT = table(
    "collectionattempt",
    column("id", Integer),
    column("project_id", Integer),
    column("started_at", UTCDateTime),
    column("ok", Boolean),
    column("figures", Integer),
)
RUN = table(
    "jobrun",
    column("id", Integer),
    column("job", String),
    column("status", String),
    column("started_at", UTCDateTime),
    column("counts", JSON),
    column("error", String),
)
TABLES = (PROJECT, ITEM, INDICATOR, ATTEMPT, RUN)


class ProjectRow(NamedTuple):
    id: int
    code: str
    name: str


class ItemRow(NamedTuple):
    batch: str
    number: str
    persons: list[str]
    deadline: date | None
    ongoing: bool
    status: str  # ItemStatus's value
    units: list[str]


class AttemptRow(NamedTuple):
    started_at: datetime
    ok: bool
    figures: int


class RunRow(NamedTuple):
    job: str
    status: str  # RunStatus's value
    started_at: datetime
    counts: dict[str, Any]
    error: str | None


def projects(connection: Connection) -> list[ProjectRow]:
    """Every project, by code in code-point order."""
    query = select(PROJECT.c.id, PROJECT.c.code, PROJECT.c.name).order_by(code_point_order(PROJECT.c.code))
    return [ProjectRow(*row) for row in connection.execute(query)]


def items(connection: Connection, project_id: int) -> list[ItemRow]:
    """A project's rectification items, open and closed."""
    c = ITEM.c
    query = select(c.batch, c.number, c.persons, c.deadline, c.ongoing, c.status, c.units).where(
        c.project_id == project_id
    )
    return [ItemRow(*row) for row in connection.execute(query)]


def indicator_count(connection: Connection, project_id: int) -> int:
    query = select(func.count()).select_from(INDICATOR).where(INDICATOR.c.project_id == project_id)
    return int(connection.execute(query).scalar_one())


def last_attempt(connection: Connection, project_id: int) -> AttemptRow | None:
    """The project's most recent collection attempt, if any."""
    c = ATTEMPT.c
    query = (
        select(c.started_at, c.ok, c.figures).where(c.project_id == project_id).order_by(desc(c.id)).limit(1)
    )
    row = connection.execute(query).first()
    return None if row is None else AttemptRow(*row)


def last_runs(connection: Connection, limit: int = 5) -> Sequence[RunRow]:
    """The most recent job runs, newest first."""
    c = RUN.c
    query = select(c.job, c.status, c.started_at, c.counts, c.error).order_by(desc(c.id)).limit(limit)
    return [RunRow(*row) for row in connection.execute(query)]
