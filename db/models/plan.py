"""What a county's plan says: projects, people, channels, sources, indicators, items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Integer, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type, utcnow
from domain.enums import Binding, Cadence, Comparator, IndicatorKind, ItemStatus, PeriodKind, Recurrence


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    county: str
    programme: str = "乡村e镇"
    plan_start: date | None = None
    plan_end: date | None = None
    timezone: str = "Asia/Shanghai"
    document: str | None = None
    source_file: str | None = None
    # The plan's ``alerts`` block: per-project reminder offsets, escalation and check-in spacing.
    alert_settings: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The day the rectification plan was issued (印发): no item reminder before it.
    rectification_issued: date | None = None
    # Rule sets (issue 13): the batches of provincial notices this project is in, and the grade
    # bands of its evaluation ([{"grade": "优秀", "min": 85}, …], highest first).
    applies: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    grade_bands: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str
    unit: str | None = None
    role: str | None = None
    mobile: str | None = None
    email: str | None = None
    wecom_userid: str | None = None


class Channel(SQLModel, table=True):
    """A WeCom robot, a WeCom application audience or an email list.

    ``settings`` holds only non-secret values and ``${ENV_VAR}`` references, resolved at send time.
    """

    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    code: str
    kind: str = Field(sa_type=String(24))  # a channel registry kind (notifiers/registry.py)
    name: str
    leadership: bool = False
    settings: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Subscription(SQLModel, table=True):
    """Who is in a channel's audience; findings naming a member are routed to that channel."""

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)


class Source(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    code: str
    kind: str
    name: str | None = None
    settings: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Indicator(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    code: str
    name: str
    kind: IndicatorKind = Field(default=IndicatorKind.NUMERIC, sa_type=enum_type(IndicatorKind))
    category: str | None = None
    requirement: str | None = None
    binding: Binding = Field(default=Binding.BINDING, sa_type=enum_type(Binding))
    unit: str | None = None
    comparator: Comparator = Field(default=Comparator.GE, sa_type=enum_type(Comparator))
    target: float | None = None
    target_high: float | None = None
    period: PeriodKind = Field(default=PeriodKind.PER_YEAR, sa_type=enum_type(PeriodKind))
    due: date | None = None
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    responsible_unit: str | None = None
    responsible_persons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source_code: str | None = None
    source_field: str | None = None
    # The monthly pace curve (cumulative % of the year's target by each month end; empty = linear),
    # the indicator a growth rate is computed from, and the one holding the figure to beat.
    pace: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    base_code: str | None = None
    reference_code: str | None = None
    # How often a figure is reported; "approx"'s tolerance (% of the target); the indicators any
    # one of which, met, meets this one (A 或 B).
    cadence: Cadence = Field(
        default=Cadence.MONTHLY,
        sa_column=Column(enum_type(Cadence), nullable=False, server_default=Cadence.MONTHLY.value),
    )
    tolerance: float | None = None
    item: str | None = None  # the rectification item (number) whose measures set this target
    alternatives: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # The indicator's own time (format 2, 沁县): its window, a growth averaged over the window's
    # years (年均), a deliverable due each period ``grace_days`` after the period ends.
    window_start: date | None = None
    window_end: date | None = None
    average: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    recurs: Recurrence | None = Field(default=None, sa_type=enum_type(Recurrence))
    grace_days: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # A figure other targets are held to (长治市平均增速): no target of its own.
    figure: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))

    # Rule sets (issue 13): a month-only due date's reading and words, the standard's points, the
    # standard this figure is part of, and the rule-set batch the indicator came from (None: the
    # county's own plan).
    due_reading: str | None = None
    due_text: str | None = None
    points: float | None = None
    part_of: str | None = None
    ruleset: str | None = None
    agree_within: str | None = None  # how far two sources' figures may differ: 5% or an amount


class RuleBatch(SQLModel, table=True):
    """One batch of a provincial notice, kept so a county project imported later still gets it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    ruleset: str  # the notice's code (hunan)
    name: str
    document: str | None = None
    source_file: str | None = None
    counties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    projects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grades: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    indicators: list[dict[str, object]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class IndicatorTarget(SQLModel, table=True):
    """A target for one year (and town) where the plan gives year-specific figures."""

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int | None = None
    town: str | None = None
    value: float
    high: float | None = None


class RectificationItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "batch", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    batch: str = ""
    number: str
    problem: str
    measures: str = ""
    units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    persons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    deadline: date | None = None
    deadline_text: str | None = None
    ongoing: bool = False
    status: ItemStatus = Field(default=ItemStatus.OPEN, sa_type=enum_type(ItemStatus))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str | None = None
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")


class ItemChange(SQLModel, table=True):
    """History of a rectification item: what changed, when, and why (import, 销号 …)."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="rectificationitem.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str
    changes: dict[str, list[object]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
