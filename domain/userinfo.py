"""The password part of a URL (``http://user:PASS@host``), found and hidden wherever a URL sits in
a text. Kept apart from :mod:`domain.secrets` because the errors use it to build their messages."""

from __future__ import annotations

import re

# scheme://user:password@ — the user name may be empty; the password runs to the last "@" before
# the host, and cannot hold "/" or white space.
USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):(?P<password>[^/\s@]+)@")


def hide_userinfo(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (the user name stays)."""
    return USERINFO.sub(lambda m: f"{m.group('head')}:***@", text)


def userinfo_passwords(text: str) -> list[str]:
    """The passwords written into URLs in ``text``."""
    return [match.group("password") for match in USERINFO.finditer(text)]
