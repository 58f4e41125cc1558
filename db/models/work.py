"""Collection shared by several instances: a round of work items any instance may claim."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type
from domain.enums import WorkStatus


class CollectRound(SQLModel, table=True):
    """One collection run spread over the instances; every item shares its parameters.

    ``started_at`` is the run's real time (attempts and evidence are stamped with it); ``as_of``
    and ``month`` are what the run was asked for; past ``deadline`` the round is closed and what
    is left counts as failed.
    """

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    as_of: date | None = None
    month: str | None = None
    deadline: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CollectItem(SQLModel, table=True):
    """One source of one project in a round: claimed, collected and stored by one instance."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="collectround.id", index=True)
    project_id: int = Field(foreign_key="project.id")
    project_code: str
    source_code: str
    lane: str  # the host its requests go to (collectors' per-host limit), or the source's own lane
    status: WorkStatus = Field(default=WorkStatus.PENDING, sa_type=enum_type(WorkStatus), index=True)
    claimed_by: str | None = None  # host:pid of the instance that took it last
    figures: int = 0
    revisions: int = 0
    filings: int = 0
    failures: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
