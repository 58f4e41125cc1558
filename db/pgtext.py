"""How psycopg sends Python text to PostgreSQL: as usual, except for the one character it cannot store.

Imported only when a PostgreSQL engine connects, so SQLite installs need no psycopg.
"""

from __future__ import annotations

from typing import Any

from psycopg.types.string import StrDumperUnknown

NUL, REPLACEMENT = "\x00", "\ufffd"


class NulSafeText(StrDumperUnknown):
    """Text with NUL written as U+FFFD; everything else exactly as psycopg's own dumper writes it."""

    def dump(self, obj: str) -> Any:
        return super().dump(obj.replace(NUL, REPLACEMENT) if NUL in obj else obj)
