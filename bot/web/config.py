"""What the web page needs besides the app: the cookie-signing secret and, for demos, a fixed date."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.app import App
from bot.errors import ConfigurationError

SECRET_FILE = "web-secret"
PLACEHOLDERS = {"", "change_me", "changeme", "replace_me", "secret"}


@dataclass(frozen=True)
class WebConfig:
    secret_key: str
    secure_cookies: bool = False  # True behind HTTPS (nginx with TLS): the cookie never goes over http
    as_of: date | None = None  # None: today, Beijing time, on every request
    session_hours: int = 12

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
        return cls(secret_key=secret, secure_cookies=secure, as_of=as_of)


def _stored_secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the service user only
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret
