"""The only place that reads the wall clock; everything else is handed ``as_of`` and ``now``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.workdays import OFFICE_TZ

OFFICE_HOUR = time(9, 0)


def wall_clock() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return wall_clock().astimezone(OFFICE_TZ).date()


def office_morning(as_of: date) -> datetime:
    """9:00 in Beijing on ``as_of``: the "now" of a run replayed for a past or future day."""
    return datetime.combine(as_of, OFFICE_HOUR, tzinfo=OFFICE_TZ).astimezone(UTC)
