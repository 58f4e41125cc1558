"""Resolve ``${ENV_VAR}`` references at the moment of use, and keep secrets out of text.

Plans are untrusted input. A *secret variable* (its name contains KEY, SECRET, PASSWORD, TOKEN or
COOKIE, or the operator lists it in ``DUBAN_SECRET_VARIABLES``) may be referenced only from a
*secret field* (a setting whose name, or the name of a setting it is nested in, says it holds a
secret: password, token, webhook_key, cookies, an authorization header …). Anywhere else — a URL,
a host, a selector, a message text — its value would be sent or shown, so the reference is refused
at import (:func:`misplaced_secret`) and again when it is resolved (:func:`resolve_setting`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from domain.errors import ConfigurationError
from domain.userinfo import hide_userinfo

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


SECRET_WORDS = ("key", "secret", "password", "token", "cookie", "authorization")


def is_secret_setting(name: str) -> bool:
    """Whether a setting's name says it holds a secret (webhook_key, password, token, cookies …)."""
    return any(word in name.lower() for word in SECRET_WORDS)


def is_secret_variable(name: str, extra: Collection[str] = ()) -> bool:
    """Whether the environment variable ``name`` holds a secret: by its name, or listed by the operator."""
    return is_secret_setting(name) or name in extra


def is_secret_field(path: Iterable[str | int]) -> bool:
    """Whether a setting at ``path`` (``("cookies", "SESSION")``) is a secret field."""
    return any(isinstance(part, str) and is_secret_setting(part) for part in path)


def misplaced_secret(path: Iterable[str | int], text: str, extra: Collection[str] = ()) -> str | None:
    """The first secret variable ``text`` refers to although the field at ``path`` is not secret."""
    if is_secret_field(path):
        return None
    return next((name for name in REFERENCE.findall(text) if is_secret_variable(name, extra)), None)


def misplaced_problem(name: str) -> str:
    """What a plan author is told when a secret variable sits in an ordinary field."""
    return (
        f"{name} 是密钥变量，只能写在密钥字段（password、token、webhook_key、cookies 等）中，"
        "不能写进网址、主机、选择器或消息文字"
    )


def resolve_setting(
    path: Iterable[str | int],
    text: str,
    environ: Mapping[str, str],
    *,
    what: str,
    extra: Collection[str] = (),
) -> str:
    """:func:`resolve` for a setting at ``path``, refusing a secret variable in an ordinary field."""
    name = misplaced_secret(list(path), text, extra)
    if name is not None:
        raise ConfigurationError(f"{what}：{misplaced_problem(name)}")
    return resolve(text, environ, what=what)


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace each secret, and every password in a URL, with a short hint so logs can still tell
    keys apart."""
    text = hide_userinfo(text)
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, f"{secret[:2]}***" if len(secret) > 8 else "***")
    return text
