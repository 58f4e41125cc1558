"""Web users: stored in the database with argon2id password hashes, never the password itself.

A login is a row in the database (``websession``), found by the SHA-256 of a random token the
cookie carries. Ending it deletes the row, so a copy of the cookie made earlier stops working too:
logout ends one login; a new password and ``duban user logout`` end all of a user's logins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import users
from db.models import UserRole, WebUser
from domain.errors import ConfigurationError

MIN_PASSWORD = 8
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("duban-no-such-user")


def save_user(
    engine: Engine, *, username: str, password: str, display_name: str | None = None, role: str | None = None
) -> tuple[bool, str]:
    """Add a user, or reset an existing one's password (and name and role, if given).

    Returns (added, the role the user now has). A new user without a role is staff.
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
        if role is not None:
            user.role = UserRole(role)
        user.password_hash, user.active = _hasher.hash(password), True
        users.save_user(session, user=user)
        if not created:  # a new password: whoever logged in with the old one must log in again
            users.end_sessions(session, user_id=user.id)
        session.commit()
        return created, user.role.value


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
