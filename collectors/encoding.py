"""Bytes → text for pages and CSV files as Chinese backends serve them. Pure functions.

Backends declare GBK or GB2312 (or nothing, or the wrong thing). GB18030 is a superset of both,
so it decodes what they really send, rare characters included (镕, 堃). A declared encoding that
fails to decode is not trusted; UTF-8 and GB18030 are tried next; text that is none of these is
an error, never silently garbled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_META = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)
_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "936": "gb18030",
    "utf8": "utf-8",
}


class EncodingError(ValueError):
    def __init__(self, tried: list[str]) -> None:
        super().__init__(f"无法识别文字编码（已尝试 {'、'.join(tried)}）")


def canonical(name: str) -> str:
    name = name.strip().lower()
    return _ALIASES.get(name, name)


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def declared_in_html(body: bytes) -> str | None:
    match = _META.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def decode(body: bytes, *, forced: str | None = None, candidates: Iterable[str | None] = ()) -> str:
    """Decode ``body``: a forced encoding must work; otherwise BOM, candidates, UTF-8, GB18030."""
    if forced:
        return body.decode(canonical(forced))
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本" export is UTF-16
        try:
            return body.decode("utf-16")
        except UnicodeDecodeError:
            raise EncodingError(["utf-16"]) from None
    tried: list[str] = []
    for name in [*candidates, "utf-8", "gb18030"]:
        if not name:
            continue
        encoding = canonical(name)
        if encoding in tried:
            continue
        tried.append(encoding)
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise EncodingError(tried)


def decode_page(body: bytes, content_type: str | None, *, forced: str | None = None) -> str:
    """An HTML page: the HTTP header's charset first, then the page's own ``<meta charset>``."""
    return decode(body, forced=forced, candidates=(charset_of(content_type), declared_in_html(body)))
