"""Monthly series arithmetic: month amounts, year-to-date, pace shares and forecasts.

Figures arrive either for the month alone or year-to-date (累计); these helpers turn either into
the amount of each month and the year-to-date amount, so the rules never care which it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

from domain.facts import Series


def month_amounts(values: Series) -> dict[str, float]:
    """The amount of each month; a year-to-date figure minus the previous year-to-date of its year."""
    if not values.any_cumulative:
        return dict(zip(values.months, values.amounts, strict=True))  # the usual case, at C speed
    amounts: dict[str, float] = {}
    previous: tuple[str, float] | None = None  # (year, ytd) of the last value seen
    for month, value, cumulative in zip(values.months, values.amounts, values.cumulative, strict=True):
        year = month[:4]
        before = previous[1] if previous and previous[0] == year else 0.0
        amounts[month] = value - before if cumulative else value
        previous = (year, value if cumulative else before + value)
    return amounts


def year_to_date(values: Series, year: int, upto: int = 12) -> tuple[float, int] | None:
    """(year-to-date amount, last reported month ≤ ``upto``) of ``year``, or None with no figure."""
    in_year = values.between(f"{year:04d}-01", f"{year:04d}-{upto:02d}")
    if not in_year:
        return None
    last = int(in_year.months[-1][5:7])
    if in_year.cumulative[-1]:
        return in_year.amounts[-1], last
    if not in_year.any_cumulative:
        return sum(in_year.amounts), last
    return sum(month_amounts(in_year).values()), last


def pace_share(month: int, curve: Sequence[float]) -> float:
    """The share (0..1) of the year's target due by the end of ``month``: the plan's curve, or m/12."""
    if curve:
        return curve[month - 1] / 100
    return month / 12


def pace_method(month: int, curve: Sequence[float]) -> str:
    """The pace rule in plain words, for the message."""
    if curve:
        return f"按方案月度进度计划，{month} 月底应完成全年目标的 {curve[month - 1]:g}%"
    return f"按时间均衡（线性）计算，{month} 月底应完成全年目标的 {month}/12"


def covered_months(values: Series, year: int, upto: int = 12) -> tuple[int, ...]:
    """The months of ``year`` (≤ ``upto``) the year-to-date amount covers: every month up to a
    year-to-date figure, and each month reported on its own."""
    in_year = values.between(f"{year:04d}-01", f"{year:04d}-{upto:02d}")
    if not in_year.any_cumulative:  # the usual case: each month reported on its own
        return tuple(sorted({int(month[5:7]) for month in in_year.months}))
    through = 0  # the latest month a year-to-date figure reaches: it covers every month before it
    alone: set[int] = set()
    for month, cumulative in zip(in_year.months, in_year.cumulative, strict=True):
        number = int(month[5:7])
        if cumulative:
            through = max(through, number)
        else:
            alone.add(number)
    return tuple(sorted(alone.union(range(1, through + 1))))


def _month_percent(month: int, curve: Sequence[float]) -> float:
    """The percent of the year's target that falls in ``month`` alone, by the plan's curve."""
    return curve[month - 1] - (curve[month - 2] if month > 1 else 0.0)


def forecast(amount: float, months: Sequence[int], curve: Sequence[float]) -> float | None:
    """Year-end amount if the rest of the year goes as the reported months did.

    Only the months reported count: a month with no figure is not a month of 0, so the amount is
    spread over the reported months' share of the year (their share of the plan's curve).
    """
    share = sum(_month_percent(m, curve) for m in months) / 100 if curve else len(months) / 12
    return amount / share if share > 0 else None


def forecast_method(months: Sequence[int], curve: Sequence[float]) -> str:
    """The forecast rule in words, saying how many months it rests on and which were missing."""
    last = max(months, default=0)
    gaps = [m for m in range(1, last + 1) if m not in months]
    basis = (
        f"前 {last} 个月"
        if not gaps
        else f"已报送的 {len(months)} 个月（{_months_words(gaps)}未报送，不按 0 计）"
    )
    if curve:
        return f"按{basis}完成额占月度进度计划的比例推算"
    return f"按{basis}的月均值推算"


def _months_words(months: Sequence[int]) -> str:
    return "、".join(str(m) for m in months) + " 月"


@cache  # a handful of distinct days per run, asked for every indicator
def month_of(day: date) -> str:
    """``YYYY-MM`` of a date."""
    return f"{day.year:04d}-{day.month:02d}"


@cache  # a few hundred distinct months, asked millions of times in a national run
def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


@cache  # one as-of day per run, asked for every indicator
def due_through(as_of: date, after_day: int) -> str:
    """The last month (YYYY-MM) whose figure is due by ``as_of``: last month's once the
    ``after_day`` of this month has passed, else the month before."""
    due = previous_month(month_of(as_of))
    return previous_month(due) if as_of.day <= after_day else due


def months_between(start: str, end: str) -> int:
    """Months from ``start`` to ``end`` inclusive (YYYY-MM)."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7]) + 1
