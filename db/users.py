"""People who log in to the web page, the projects granted to them, their open logins and failed
logins: the ``webuser``, ``webgrant``, ``websession`` and ``loginfailure`` tables.

Passwords are hashed before they get here (``bot.web.users``); this module only stores and finds
rows. Data-access functions in the house style: keyword-only, given the session, no commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from db.models import LoginFailure, Project, ProjectRole, WebGrant, WebSession, WebUser


def user_by_name(session: Session, *, username: str) -> WebUser | None:
    return session.exec(select(WebUser).where(WebUser.username == username)).first()


def user_by_id(session: Session, *, user_id: int) -> WebUser | None:
    return session.get(WebUser, user_id)


def save_user(session: Session, *, user: WebUser) -> None:
    """Keep a new user, or the changes made to one (password hash, name, role, active)."""
    session.add(user)


def all_users(session: Session) -> list[WebUser]:
    return list(session.exec(select(WebUser).order_by(col(WebUser.username))).all())


def grants_of(session: Session, *, user_id: int) -> dict[str, ProjectRole]:
    """The projects granted to a user, by project code, with the role on each."""
    rows = session.exec(
        select(Project.code, WebGrant.role)
        .join(WebGrant, col(WebGrant.project_id) == col(Project.id))
        .where(WebGrant.user_id == user_id)
    ).all()
    return {code: ProjectRole(role) for code, role in rows}


def set_grants(session: Session, *, user_id: int, grants: dict[int, ProjectRole]) -> None:
    """Make the user's grants exactly ``grants`` (project id → role): others are taken away."""
    session.exec(delete(WebGrant).where(col(WebGrant.user_id) == user_id))
    for project_id, role in grants.items():
        session.add(WebGrant(user_id=user_id, project_id=project_id, role=role))


def any_user(session: Session) -> bool:
    """Whether anyone at all can log in (the service starts the web page only then)."""
    return session.exec(select(WebUser.id)).first() is not None


def open_session(session: Session, *, token_hash: str, user_id: int, at: datetime) -> None:
    session.add(WebSession(token_hash=token_hash, user_id=user_id, created_at=at))


def session_owner(session: Session, *, token_hash: str) -> int | None:
    """The user id of the open login with this token hash; None once it was ended (or never was)."""
    row = session.get(WebSession, token_hash)
    return row.user_id if row is not None else None


def end_sessions(
    session: Session,
    *,
    token_hash: str | None = None,
    user_id: int | None = None,
    before: datetime | None = None,
) -> int:
    """End one login (``token_hash``), every login of ``user_id``, or those opened before
    ``before`` (past any session's lifetime); returns how many were ended."""
    if token_hash is None and user_id is None and before is None:
        raise ValueError("end_sessions needs a token, a user or a time")  # never every login by accident
    query = delete(WebSession)
    if token_hash is not None:
        query = query.where(col(WebSession.token_hash) == token_hash)
    if user_id is not None:
        query = query.where(col(WebSession.user_id) == user_id)
    if before is not None:
        query = query.where(col(WebSession.created_at) < before)
    return int(session.exec(query).rowcount)


def failure_times(
    session: Session, *, since: datetime, limit: int, username: str | None = None, client: str | None = None
) -> list[datetime]:
    """When logins failed after ``since`` for ``username`` (or else from ``client``): newest first,
    at most ``limit`` of them."""
    column, value = (
        (LoginFailure.username, username) if username is not None else (LoginFailure.client, client)
    )
    query = (
        select(LoginFailure.at)
        .where(column == value, col(LoginFailure.at) > since)
        .order_by(col(LoginFailure.at).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def record_failure(session: Session, *, username: str, client: str, at: datetime) -> None:
    session.add(LoginFailure(username=username, client=client, at=at))


def forget_failures(session: Session, *, until: datetime | None = None, username: str | None = None) -> None:
    """Drop the failures at or before ``until``, or every failure of ``username``."""
    if until is not None:
        session.exec(delete(LoginFailure).where(col(LoginFailure.at) <= until))
    if username is not None:
        session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))
