"""The raw bytes of one fetch, as received: what every figure parsed from them points at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fetched:
    """Raw bytes as received: the evidence for every figure parsed from them.

    ``url`` is where the bytes really came from (after redirects) or the file's name; ``status``
    is the HTTP status, ``None`` for a file.
    """

    url: str
    status: int | None
    content_type: str | None
    body: bytes
    fetched_at: datetime
