"""The only place that reads the wall clock; everything else is handed ``as_of`` and ``now``.

``as_of`` (``--as-of``) is the day a plan is judged at and nothing else; ``now`` is always this
clock's time: send attempts, rate windows, leases, evidence and run records never move with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.workdays import OFFICE_HOUR, OFFICE_TZ
from domain.workdays import office_morning as _office_morning

__all__ = ["OFFICE_HOUR", "office_morning", "today", "wall_clock"]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return wall_clock().astimezone(OFFICE_TZ).date()


def office_morning(as_of: date) -> datetime:
    """9:00 in Beijing on ``as_of``, in UTC: the "now" the tests' replayed days run at."""
    return _office_morning(as_of).astimezone(UTC)
