"""What a responsible person sends back: reply links and the 整改结果 submitted through them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type
from domain.enums import SubmissionState


class ReplyLink(SQLModel, table=True):
    """A link in a reminder that opens one person's open items without a password.

    Only the SHA-256 of its token is kept, so the table cannot be turned back into links; it works
    until ``expires_at`` or until it is revoked (``revoked_at``).
    """

    token_hash: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ItemSubmission(SQLModel, table=True):
    """A 整改结果 with its evidence, waiting for (or given) the coordinator's review."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="rectificationitem.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    link_hash: str  # the reply link it came through (rate limit, and revoking shows what it sent)
    result: str
    evidence_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: SubmissionState = Field(default=SubmissionState.PENDING, sa_type=enum_type(SubmissionState))
    submitted_at: datetime = Field(sa_type=UTCDateTime, index=True)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewer: str | None = None
    reason: str | None = None  # why it was returned
