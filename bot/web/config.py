"""What the web page needs besides the app: the cookie-signing secret and, for demos, a fixed date."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.clock import wall_clock
from bot.web.throttle import Throttle
from bot.wiring import App
from domain.errors import ConfigurationError

SECRET_FILE = "web-secret"
PLACEHOLDERS = {"", "change_me", "changeme", "replace_me", "secret"}


@dataclass(frozen=True)
class WebConfig:
    secret_key: str = field(repr=False)
    secure_cookies: bool = False  # True behind HTTPS (nginx with TLS): the cookie never goes over http
    as_of: date | None = None  # None: today, Beijing time, on every request
    session_hours: float = 12  # a login lasts at most this long, however busy
    idle_minutes: float = 60  # and ends after this long without a request
    throttle: Throttle = field(default_factory=Throttle)
    clock: Callable[[], datetime] = wall_clock  # sessions and the login limit run on this clock

    @classmethod
    def from_app(cls, app: App, *, as_of: date | None = None) -> WebConfig:
        """``DUBAN_WEB_SECRET`` if set (refusing placeholders), else a random one kept in the data dir."""
        secret = app.environ.get("DUBAN_WEB_SECRET")
        if secret is not None:
            if secret.strip().lower() in PLACEHOLDERS or len(secret) < 32:
                raise ConfigurationError("DUBAN_WEB_SECRET 太短或仍是示例值：请设为至少 32 个字符的随机串")
        else:
            secret = _stored_secret(app.settings.data_dir / SECRET_FILE)
        secure = app.environ.get("DUBAN_WEB_SECURE_COOKIES", "").lower() in {"1", "true", "yes"}
        throttle = Throttle(
            max_failures=int(_number(app, "DUBAN_WEB_LOGIN_ATTEMPTS", 5)),
            window=timedelta(minutes=_number(app, "DUBAN_WEB_LOGIN_WINDOW_MINUTES", 15)),
        )
        return cls(
            secret_key=secret,
            secure_cookies=secure,
            as_of=as_of,
            session_hours=_number(app, "DUBAN_WEB_SESSION_HOURS", 12),
            idle_minutes=_number(app, "DUBAN_WEB_IDLE_MINUTES", 60),
            throttle=throttle,
        )


def _number(app: App, name: str, default: float) -> float:
    raw = app.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigurationError(f"{name} 应为正数，现在是“{raw}”")
    return value


def _stored_secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the service user only
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret
