"""Dates as county offices write them.

Accepted: ``2023-10-15``, ``2023/10/15``, ``2023.10.15``, ``2023年10月15日`` (spaces and full-width
digits allowed), ``20231015``; month ends ``2023年10月底``/``10月末``/``2023年10月``; thirds of a month
``10月上旬/中旬/下旬`` (the 10th, 20th and last day); and ``10月15日`` without a year when the caller
knows the year from context. Anything else raises :class:`OfficeDateError` saying what was expected.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeGuard

ONGOING_MARKERS = ("长期坚持", "长期", "持续推进", "常态化")
# A plan's dates fall in this century; 1900 or 3023 is a typo or an Excel serial gone wrong.
YEARS = range(2000, 2100)

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_PART = re.compile(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(底|末|上旬|中旬|下旬|份)?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


class OfficeDateError(ValueError):
    """A date that is not in any format an office uses, or that needs a year nobody gave."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        shown = text if len(text) <= 40 else text[:39] + "…"
        super().__init__(f"无法识别的日期“{shown}”：{reason}")


@dataclass(frozen=True)
class Deadline:
    """A rectification deadline: a date, an ongoing duty (并长期坚持), or both."""

    due: date | None
    ongoing: bool
    text: str


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _build(text: str, year: int, month: int, day: int) -> date:
    try:
        return _in_range(text, date(year, month, day))
    except ValueError as exc:
        if isinstance(exc, OfficeDateError):
            raise
        raise OfficeDateError(text, f"不存在这一天（{exc}）") from None


def _in_range(text: str, day: date) -> date:
    if day.year not in YEARS:
        raise OfficeDateError(text, f"年份 {day.year} 不在 {YEARS.start}–{YEARS.stop - 1} 年之间，多半是笔误")
    return day


def _year_month(value: str, explicit_year: str | None, month_text: str, year: int | None) -> tuple[int, int]:
    """The year (as written, else the context's) and month of a date written to the month."""
    the_year = int(explicit_year) if explicit_year else year
    if the_year is None:
        raise OfficeDateError(value, "没有写年份，也无法从上下文得知年份")
    month = int(month_text)
    if not 1 <= month <= 12:
        raise OfficeDateError(value, f"月份 {month} 不存在")
    return the_year, month


def parse_office_date(value: object, *, year: int | None = None) -> date:
    """Parse one date; ``year`` supplies the year for forms such as ``10月底``."""
    if isinstance(value, datetime):
        return _in_range(value.isoformat(), value.date())
    if isinstance(value, date):
        return _in_range(value.isoformat(), value)
    if not isinstance(value, str) or not value.strip():
        raise OfficeDateError(str(value), "应为日期，例如 2023年10月15日 或 2023-10-15")
    text = _normalise(value)
    if match := _FULL.search(text):
        return _build(value, *(int(g) for g in match.groups()))
    if match := _COMPACT.fullmatch(text):
        return _build(value, *(int(g) for g in match.groups()))
    if match := _MONTH_DAY.search(text):
        if year is None:
            raise OfficeDateError(value, "没有写年份，也无法从上下文得知年份")
        return _build(value, year, int(match.group(1)), int(match.group(2)))
    if match := _MONTH_PART.search(text):
        explicit_year, month_text, part = match.groups()
        the_year, month = _year_month(value, explicit_year, month_text, year)
        day = {"上旬": 10, "中旬": 20}.get(part or "", _month_end(the_year, month))
        return _build(value, the_year, month, day)
    raise OfficeDateError(value, "应为日期，例如 2023年10月15日、2023-10-15、2023.10.15 或 10月底")


# A date written to the month only, with nothing saying which day: "2019年10月份前", "11月份".
# "月底"/"上旬" name their day and are read by :func:`parse_office_date`.
_MONTH_ONLY = re.compile(r"^(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*份?\s*(?:前|以前|之前|内|中)?$")
BEFORE_MONTH = "before_month"  # before the month starts: 2019年10月份前 → 2019-09-30
END_OF_MONTH = "end_of_month"  # by the month's last day: 2019年10月份前 → 2019-10-31
MONTH_READINGS = (BEFORE_MONTH, END_OF_MONTH)


def month_only(value: object) -> TypeGuard[str]:
    """True for a date written to the month only ("2019年10月份前", "11月份"): it has two readings."""
    return isinstance(value, str) and bool(_MONTH_ONLY.match(_normalise(value)))


def read_month(value: str, reading: str, *, year: int | None = None) -> date:
    """The day a month-only date means under ``reading`` (:data:`BEFORE_MONTH` or :data:`END_OF_MONTH`)."""
    match = _MONTH_ONLY.match(_normalise(value))
    if match is None:
        raise OfficeDateError(value, "应只写到月份，例如 2019年10月份前")
    explicit_year, month_text = match.groups()
    the_year, month = _year_month(value, explicit_year, month_text, year)
    if reading == BEFORE_MONTH:
        first = _build(value, the_year, month, 1)
        return _in_range(value, date.fromordinal(first.toordinal() - 1))
    return _build(value, the_year, month, _month_end(the_year, month))


def parse_deadline(value: object, *, year: int | None = None) -> Deadline:
    """Parse a 整改时限 cell: a date, "长期坚持", or "10月底前完成并长期坚持"."""
    if isinstance(value, date):
        return Deadline(parse_office_date(value), False, value.isoformat())
    text = _normalise(str(value or ""))
    ongoing = any(marker in text for marker in ONGOING_MARKERS)
    if not text:
        raise OfficeDateError("", "整改时限为空")
    try:
        due = parse_office_date(text, year=year)
    except OfficeDateError:
        if not ongoing:
            raise
        due = None
    return Deadline(due, ongoing, text)
