"""The change stamp: a counter the database itself advances, and what the last evaluation saw.

Triggers (migration 0022) add one to :class:`ChangeStamp` whenever a row the evaluation reads is
written by anyone but the evaluation itself; :class:`EvaluationMark` keeps the stamp, day and
moment the last evaluation judged, so a run with nothing new can be told apart without judging.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, LargeBinary
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class ChangeStamp(SQLModel, table=True):
    """One row (id 1): how many watched changes the database has seen."""

    id: int | None = Field(default=None, primary_key=True)
    stamp: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class EvaluationMark(SQLModel, table=True):
    """One row (id 1) while the last evaluation is known to have judged exactly ``stamp``."""

    id: int | None = Field(default=None, primary_key=True)
    stamp: int = Field(sa_column=Column(BigInteger, nullable=False))
    as_of: date
    judged_at: datetime = Field(sa_type=UTCDateTime)  # the judging moment (silences end by it)
    settings: str  # a digest of the settings the judgement depends on
    scope: str | None = None  # the one project judged; None for all
    findings: int = 0


class FactsStamp(SQLModel, table=True):
    """Per project: how many changes the rows its facts are read from have seen.

    Triggers (migration 0023) add one whenever a row of the project's plan, figures, items,
    sources, collection attempts or filings is written, by anyone.
    """

    project_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    stamp: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class FactsCache(SQLModel, table=True):
    """A project's facts as last loaded (pickled), valid while its :class:`FactsStamp` is ``stamp``
    and the code that wrote it is ``version``: derived data, safe to delete at any time."""

    project_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    stamp: int = Field(sa_column=Column(BigInteger, nullable=False))
    version: str
    facts: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
