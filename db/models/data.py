"""What was observed: measurements and the evidence behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type, utcnow
from domain.enums import Origin


class Evidence(SQLModel, table=True):
    """Raw bytes a figure came from, stored content-addressed under the data directory."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, index=True)
    path: str  # relative to the evidence directory
    origin: str  # URL or file name
    content_type: str | None = None
    http_status: int | None = None
    size: int
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Measurement(SQLModel, table=True):
    """One value of one indicator for one month; a changed value is a new revision, never an edit.

    ``month`` is ``YYYY-MM``. ``cumulative`` tells whether the value is year-to-date (累计) or for
    the month alone.
    """

    __table_args__ = (UniqueConstraint("indicator_id", "month", "town", "revision"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    month: str = Field(index=True)
    town: str | None = None
    value: float
    unit: str
    cumulative: bool = False
    origin: Origin = Field(sa_type=enum_type(Origin))
    source_code: str | None = None
    revision: int = 1
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    locator: str | None = None  # where in the evidence: page, row and column, or JSON path
    note: str | None = None


class CollectionAttempt(SQLModel, table=True):
    """One try at one source: what it yielded, or why it failed, and the raw page either way."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    source_code: str = Field(index=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ok: bool
    figures: int = 0
    error: str | None = None
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")


class ReportFiling(SQLModel, table=True):
    """Whether a month's report was filed in a reporting system (MOFCOM 填报状态 已填报/未填报)."""

    __table_args__ = (UniqueConstraint("project_id", "source_code", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    source_code: str
    month: str  # YYYY-MM: the month being reported on
    filed: bool
    checked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
