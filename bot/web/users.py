"""Web users: stored in the database with argon2id password hashes, never the password itself."""

from __future__ import annotations

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


def load_user(engine: Engine, user_id: object) -> WebUser | None:
    if not isinstance(user_id, int):
        return None
    with Session(engine) as session:
        user = users.user_by_id(session, user_id=user_id)
    return user if user is not None and user.active else None
