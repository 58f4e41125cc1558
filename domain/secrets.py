"""Resolve ``${ENV_VAR}`` references at the moment of use, and keep secrets out of text."""

from __future__ import annotations

import re
from collections.abc import Mapping

from domain.errors import ConfigurationError

REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def resolve(text: str, environ: Mapping[str, str], *, what: str) -> str:
    """Replace every ``${NAME}`` in ``text``; a missing variable raises naming it (not its value)."""

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        value = environ.get(name)
        if not value:
            raise ConfigurationError(f"{what} 需要环境变量 {name}，但它没有设置（写在 .env 中）")
        return value

    return REFERENCE.sub(lookup, text)


SECRET_WORDS = ("key", "secret", "password", "token", "cookie")


def is_secret_setting(name: str) -> bool:
    """Whether a setting's name says it holds a secret (webhook_key, password, token, cookies …)."""
    return any(word in name.lower() for word in SECRET_WORDS)


def mask(text: str, secrets: list[str]) -> str:
    """Replace each secret with a short hint so logs can still tell keys apart."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, f"{secret[:2]}***" if len(secret) > 8 else "***")
    return text
