"""What the service itself keeps: the run lock and the people who may open the web page."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, enum_type, utcnow
from domain.labels import role_label


class JobLock(SQLModel, table=True):
    """One row per held lock; the row exists only while someone holds it.

    ``heartbeat_at`` is renewed while the holder works, so a holder that died (power cut, kill -9)
    is recognised as stale and its lock taken over after a timeout.
    """

    name: str = Field(primary_key=True)
    holder: str  # host:pid:purpose of the process holding it
    label: str  # what is running, in words for the "already running" message
    started_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime)


class UserRole(StrEnum):
    """What a web user may do across every project; a member's projects come from their grants."""

    ADMIN = "admin"  # everything on every project, and manages the web users
    PROVINCE = "province"  # reads every project, changes none (the province's or leaders' view)
    MEMBER = "member"  # only the projects granted to them (WebGrant), as each grant says

    @property
    def label(self) -> str:
        return role_label(self.value)


class ProjectRole(StrEnum):
    """What a member may do on one granted project (see docs/security.md for the table)."""

    COORDINATOR = "coordinator"  # staff's work plus sign-off (销号), reply links and channel tests
    STAFF = "staff"  # acknowledges and silences alerts, besides reading
    READ_ONLY = "read_only"  # pages and downloads only

    @property
    def label(self) -> str:
        return role_label(self.value)


class WebUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    role: UserRole = Field(default=UserRole.ADMIN, sa_type=enum_type(UserRole))
    password_hash: str  # argon2id, never the password
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebGrant(SQLModel, table=True):
    """One project a member may see, and what they may do on it; one row per user and project."""

    __table_args__ = (UniqueConstraint("user_id", "project_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="webuser.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    role: ProjectRole = Field(sa_type=enum_type(ProjectRole))


class WebSession(SQLModel, table=True):
    """One open web login. The cookie carries a random token and only its SHA-256 is kept here, so
    whoever reads the database cannot log in with it. Deleting the row ends the login, whatever
    copies of the cookie exist: that is how logout, a password change and ``duban user logout``
    end sessions."""

    token_hash: str = Field(primary_key=True)  # sha256 hex of the cookie's token
    user_id: int = Field(foreign_key="webuser.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)


class LoginFailure(SQLModel, table=True):
    """One failed web login, kept for the rate limit (bot/web/throttle.py); a restart forgets nothing."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)  # as typed, at most 64 characters
    client: str = Field(index=True)  # the client's IP address
    at: datetime = Field(sa_type=UTCDateTime, index=True)
