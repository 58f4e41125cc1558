"""Which months to read from a source that shows one month per page. Pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime

from domain.workdays import OFFICE_TZ

_PLACEHOLDER = re.compile(r"\{(month|year|mm|yyyymm)\}")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def per_month(template: str) -> bool:
    """True when a URL (or path) template names the month: the source is read month by month."""
    return bool(_PLACEHOLDER.search(template))


def fill_month(template: str, month: str) -> str:
    """``…?period={month}`` → ``…?period=2023-09``; also ``{year}``, ``{mm}``, ``{yyyymm}``."""
    year, mm = month.split("-")
    values = {"month": month, "year": year, "mm": mm, "yyyymm": year + mm}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def previous_months(now: datetime | date, count: int) -> list[str]:
    """The ``count`` months before the current one in Beijing (or ``now``'s, a day), oldest first.

    On 2023-10-05 that is ``["2023-09"]``: the month being reported in the 1-10 window.
    """
    local = now.astimezone(OFFICE_TZ) if isinstance(now, datetime) else now
    index = local.year * 12 + local.month - 1
    months = [index - n for n in range(count, 0, -1)]
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]


def months_wanted(now: datetime | date, month: str | None, back: int) -> list[str]:
    return [month] if month else previous_months(now, max(1, back))
