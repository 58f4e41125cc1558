"""Web users: stored in the database with argon2id password hashes, never the password itself.

A login is a row in the database (``websession``), found by the SHA-256 of a random token the
cookie carries. Ending it deletes the row, so a copy of the cookie made earlier stops working too:
logout ends one login; a new password, ``duban user logout`` and deactivating a user on the
administrators' page end all of a user's logins.

What a user may do is their role (administrator, province read-only, or member) and, for a
member, the projects granted to them (``bot.web.scope``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.web.scope import Scope
from db import users
from db.models import ProjectRole, UserRole, WebUser
from db.plan import project_ids
from domain.errors import ConfigurationError

MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("duban-no-such-user")


def save_user(
    engine: Engine,
    *,
    username: str,
    password: str,
    display_name: str | None = None,
    role: str | None = None,
    grants: dict[str, str] | None = None,
) -> tuple[bool, str]:
    """Add a user, or reset an existing one's password (and name, role and grants, if given).

    ``grants`` maps project codes to project roles and replaces the user's grants. Returns (added,
    the role the user now has). A new user without a role is a member when given grants, else an
    administrator (a one-county installation's first user can do everything, as before).
    """
    username = username.strip()
    if not username:
        raise ConfigurationError("用户名不能为空")
    if len(password) < MIN_PASSWORD:
        raise ConfigurationError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    with Session(engine) as session:
        user = users.user_by_name(session, username=username)
        created = user is None
        if user is None:
            user = WebUser(username=username, display_name=display_name or username, password_hash="")
        elif display_name:
            user.display_name = display_name
        if role is not None or created:
            user.role = _role(role, grants)
        user.password_hash, user.active = _hasher.hash(password), True
        users.save_user(session, user=user)
        session.flush()
        assert user.id is not None
        if grants is not None:
            users.set_grants(session, user_id=user.id, grants=_grants(session, grants))
        if not created:  # a new password: whoever logged in with the old one must log in again
            users.end_sessions(session, user_id=user.id)
        session.commit()
        return created, user.role.value


def set_access(engine: Engine, *, user_id: int, role: str, grants: dict[str, str]) -> WebUser:
    """Give a user a new role and exactly these project grants (the administrators' page)."""
    with Session(engine) as session:
        user = _existing(session, user_id)
        user.role = _role(role, grants)
        users.save_user(session, user=user)
        users.set_grants(session, user_id=user_id, grants=_grants(session, grants))
        session.commit()
        session.refresh(user)
        return user


def set_active(engine: Engine, *, user_id: int, active: bool) -> WebUser:
    """Let a user log in again, or stop them: a deactivated user's open logins end at once."""
    with Session(engine) as session:
        user = _existing(session, user_id)
        user.active = active
        users.save_user(session, user=user)
        if not active:
            users.end_sessions(session, user_id=user_id)
        session.commit()
        session.refresh(user)
        return user


def scope_of(engine: Engine, user: WebUser) -> Scope:
    """What ``user`` may do on each project, read now (a changed grant counts on the next page)."""
    if user.role is not UserRole.MEMBER or user.id is None:
        return Scope(user.role)
    with Session(engine) as session:
        return Scope(user.role, users.grants_of(session, user_id=user.id))


def _existing(session: Session, user_id: int) -> WebUser:
    user = users.user_by_id(session, user_id=user_id)
    if user is None:
        raise ConfigurationError("没有这个网页用户")
    return user


def _role(role: str | None, grants: dict[str, str] | None) -> UserRole:
    if role is None:
        return UserRole.MEMBER if grants else UserRole.ADMIN
    try:
        return UserRole(role)
    except ValueError:
        raise ConfigurationError(f"没有“{role}”这个角色，可选：admin、province、member") from None


def _grants(session: Session, grants: dict[str, str]) -> dict[int, ProjectRole]:
    """Project codes and role names checked against the database: project id → role."""
    known = project_ids(session, codes=list(grants))
    checked: dict[int, ProjectRole] = {}
    for code, role in grants.items():
        project_id = known.get(code)
        if project_id is None:
            raise ConfigurationError(f"没有代码为 {code} 的项目，请先导入它的方案文件")
        try:
            checked[project_id] = ProjectRole(role)
        except ValueError:
            raise ConfigurationError(
                f"项目 {code} 的角色“{role}”不对，"
                "可选：coordinator（协调人）、staff（工作人员）、read_only（只读）"
            ) from None
    return checked


def authenticate(engine: Engine, username: str, password: str) -> WebUser | None:
    with Session(engine) as session:
        user = users.user_by_name(session, username=username.strip())
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.active else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, user: WebUser, *, now: datetime, forget_before: datetime) -> str:
    """Open a login for ``user``; returns the token for the cookie. Logins opened before
    ``forget_before`` are past any session's lifetime and are dropped on the way."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    with Session(engine) as session:
        users.end_sessions(session, before=forget_before)
        users.open_session(session, token_hash=_hash(token), user_id=user.id, at=now)
        session.commit()
    return token


def load_user(engine: Engine, token: object) -> WebUser | None:
    """The active user whose open login this token is; None if it was ended or never existed."""
    if not isinstance(token, str) or not token:
        return None
    with Session(engine) as session:
        user_id = users.session_owner(session, token_hash=_hash(token))
        user = users.user_by_id(session, user_id=user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def end_session(engine: Engine, token: object) -> None:
    """Log out: this login ends on the server, for every copy of its cookie."""
    if not isinstance(token, str) or not token:
        return
    with Session(engine) as session:
        users.end_sessions(session, token_hash=_hash(token))
        session.commit()


def end_user_sessions(engine: Engine, username: str) -> int:
    """End every open login of ``username`` (an administrator's revoke); returns how many."""
    with Session(engine) as session:
        user = users.user_by_name(session, username=username.strip())
        if user is None or user.id is None:
            raise ConfigurationError(f"没有网页用户 {username.strip()}")
        ended = users.end_sessions(session, user_id=user.id)
        session.commit()
    return ended


def users_with_grants(engine: Engine) -> list[tuple[WebUser, dict[str, ProjectRole]]]:
    """Every web user with their project grants, for the administrators' page."""
    with Session(engine) as session:
        return [
            (user, users.grants_of(session, user_id=user.id) if user.id is not None else {})
            for user in users.all_users(session)
        ]
