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


def projects(connection: Connection, code: str | None = None) -> list[ProjectRow]:
    """Every project (or the one coded ``code``), by code in code-point order."""
    query = select(PROJECT.c.id, PROJECT.c.code, PROJECT.c.name).order_by(code_point_order(PROJECT.c.code))
    if code is not None:
        query = query.where(PROJECT.c.code == code)
    return [ProjectRow(*row) for row in connection.execute(query)]


# Each of the following asks once for all the projects: a province has 1,500 of them, and a query
# per project cost 1.6 s of ``duban status``.


def items(connection: Connection, project_ids: list[int]) -> dict[int, list[ItemRow]]:
    """The projects' rectification items, open and closed, by project (in the table's order)."""
    c = ITEM.c
    query = (
        select(c.project_id, c.batch, c.number, c.persons, c.deadline, c.ongoing, c.status, c.units)
        .where(c.project_id.in_(project_ids))
        .order_by(c.project_id, c.id)
    )
    found: dict[int, list[ItemRow]] = {i: [] for i in project_ids}
    for project_id, *row in connection.execute(query):
        found[project_id].append(ItemRow(*row))
    return found


def indicator_counts(connection: Connection, project_ids: list[int]) -> dict[int, int]:
    """How many indicators each project has (0 for none)."""
    c = INDICATOR.c
    query = select(c.project_id, func.count()).where(c.project_id.in_(project_ids)).group_by(c.project_id)
    counts = dict.fromkeys(project_ids, 0)
    counts.update((project_id, int(n)) for project_id, n in connection.execute(query))
    return counts


def last_attempts(connection: Connection, project_ids: list[int]) -> dict[int, AttemptRow]:
    """Each project's most recent collection attempt (projects never collected are left out)."""
    c = ATTEMPT.c
    latest = select(func.max(c.id)).where(c.project_id.in_(project_ids)).group_by(c.project_id)
    query = select(c.project_id, c.started_at, c.ok, c.figures).where(c.id.in_(latest.scalar_subquery()))
    return {project_id: AttemptRow(*row) for project_id, *row in connection.execute(query)}


def last_runs(connection: Connection, limit: int = 5) -> Sequence[RunRow]:
    """The most recent job runs, newest first."""
    c = RUN.c
    query = select(c.job, c.status, c.started_at, c.counts, c.error).order_by(desc(c.id)).limit(limit)
    return [RunRow(*row) for row in connection.execute(query)]
