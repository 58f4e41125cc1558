"""What duban did: alerts, the delivery outbox and job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type, utcnow
from domain.enums import AlertState, DeliveryStatus, RunStatus


class Alert(SQLModel, table=True):
    """One open question per (subject, kind, period) key, notified and followed until it clears."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: str
    severity: str
    subject: str
    stage: str = ""  # the step last notified: remind-3, due, overdue …
    state: AlertState = Field(default=AlertState.OPEN, sa_type=enum_type(AlertState))
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notify_count: int = 0
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state_reason: str | None = None
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The latest as-of day that changed this alert: replaying an earlier day changes nothing.
    last_as_of: date | None = None
    payload: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AlertEvent(SQLModel, table=True):
    """One transition of an alert — opened, notified, escalated, acknowledged, silenced, resolved —
    with when, for which as-of day, and why."""

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    as_of: date | None = None
    event: str  # opened, notified, escalated, acknowledged, silenced, resolved, reopened …
    state: AlertState = Field(sa_type=enum_type(AlertState))
    stage: str = ""
    reason: str
    actor: str | None = None  # who acknowledged or silenced; None for the bot itself


class Silence(SQLModel, table=True):
    """A silence (静默): the alerts of one project its matchers cover are told to nobody from
    ``starts_at`` until ``ends_at``, or until someone ended it early (``expired_at``).

    ``unit``, ``person``, ``kind`` and ``alert_key`` narrow it; left empty they match anything
    (:class:`domain.silences.Matchers` says how each one matches).
    """

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    unit: str | None = None
    person: str | None = None
    kind: str | None = None  # a finding kind's value (domain.enums.FindingKind)
    alert_key: str | None = None  # one alert's key, or the subject all its alerts start with
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = None
    reason: str
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expired_by: str | None = None


class Delivery(SQLModel, table=True):
    """The outbox: a rendered message for one channel, written with the alert change it reports."""

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(unique=True, index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    channel_code: str
    subject: str
    body: str
    mentions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    alert_keys: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus))
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    # Delivery (issue 5): what the row is, the plain-text alternative for email, files to attach,
    # how many wire parts the channel has accepted (a crash resumes after them), and a note the
    # channel returned with an accepted message (e.g. WeCom's invaliduser).
    kind: str = Field(
        default="digest", sa_column_kwargs={"server_default": "digest"}
    )  # digest | summary | admin | test
    text_body: str | None = None
    attachments: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    note: str | None = None


class SendAttempt(SQLModel, table=True):
    """One attempt to send to a rate-limited endpoint, successful or not (WeCom counts both).

    ``rate_key`` is a hash of the endpoint (the robot's key), never the key itself. Rows older
    than the rate window are pruned by the delivery job.
    """

    id: int | None = Field(default=None, primary_key=True)
    rate_key: str = Field(index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class JobRun(SQLModel, table=True):
    """One run of a job. ``slot`` is the scheduled time a scheduled run stands for (its identity for
    catch-up: a slot with a succeeded run is never run again); ``parent_id`` ties a stage (collect,
    evaluate, deliver) to the refresh or scheduled run it belongs to."""

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(index=True)
    trigger: str = "manual"
    as_of: str | None = None
    slot: str | None = Field(default=None, index=True)
    parent_id: int | None = Field(default=None, foreign_key="jobrun.id")
    status: RunStatus = Field(default=RunStatus.RUNNING, sa_type=enum_type(RunStatus))
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None
