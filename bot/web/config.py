"""What the web page needs besides the app: the cookie-signing secret and, for demos, a fixed date.

Its settings (``DUBAN_WEB_*``) are declared in :class:`bot.settings.Settings`; only the secret
``DUBAN_WEB_SECRET`` is read here, from the environment, when the web page starts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import wall_clock
from bot.web.throttle import Throttle
from bot.wiring import App
from domain.errors import ConfigurationError

SECRET_FILE = "web-secret"
SECRET_VAR = "DUBAN_WEB_SECRET"
PLACEHOLDERS = {"", "change_me", "changeme", "replace_me", "secret"}
# uvicorn's own X-Forwarded-* handling trusts 127.0.0.1 unless told otherwise, so anything on the
# machine could name the address the login limit counts. Every server of the page is started with
# it off; create_app applies the headers itself, and only from DUBAN_TRUSTED_PROXIES.
SERVER_OPTIONS: dict[str, Any] = {"proxy_headers": False}


@dataclass(frozen=True)
class WebConfig:
    """The web page's configuration; :meth:`from_app` builds it from the settings (their defaults)."""

    secret_key: str = field(repr=False)
    secure_cookies: bool  # True behind HTTPS (nginx with TLS): the cookie never goes over http
    session_hours: float  # a login lasts at most this long, however busy
    idle_minutes: float  # and ends after this long without a request
    throttle: Throttle
    as_of: date | None = None  # None: today, Beijing time, on every request
    clock: Callable[[], datetime] = wall_clock  # sessions and the login limit run on this clock
    # Addresses whose X-Forwarded-For / -Proto are believed (DUBAN_TRUSTED_PROXIES); none: the
    # client address is the connection's, whatever the request says.
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_app(cls, app: App, *, as_of: date | None = None) -> WebConfig:
        """``DUBAN_WEB_SECRET`` if set (refusing placeholders), else a random one kept in the data dir."""
        secret = app.environ.get(SECRET_VAR)
        if secret is not None:
            if secret.strip().lower() in PLACEHOLDERS or len(secret) < 32:
                raise ConfigurationError("DUBAN_WEB_SECRET 太短或仍是示例值：请设为至少 32 个字符的随机串")
        else:
            secret = _stored_secret(app.settings.data_dir / SECRET_FILE)
        settings = app.settings
        throttle = Throttle(
            max_failures=settings.web_login_attempts,
            window=timedelta(minutes=settings.web_login_window_minutes),
        )
        return cls(
            secret_key=secret,
            secure_cookies=settings.web_secure_cookies,
            as_of=as_of,
            session_hours=settings.web_session_hours,
            idle_minutes=settings.web_idle_minutes,
            throttle=throttle,
            trusted_proxies=settings.trusted_proxies,
        )


def _stored_secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the service user only
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret
