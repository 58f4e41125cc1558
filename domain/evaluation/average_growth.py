"""Average annual growth (年均增长) over a window of years, not year over year.

"到2025年，电子商务交易额在现有基础上年均增长不低于30%": the base year is the one before the
window starts (the 现有基础, 2021 for 2022–2025); each later year whose December figure of the
``base`` indicator is in gives the compound average so far,

    年均增长 = (末年全年 ÷ 基年全年)^(1/年数) − 1,

and the message writes that arithmetic out. Until the window's last year is complete the rate is
on pace or behind; then it is met or not met. With no base year, or no complete year after it,
the target is not yet due — or not reported once the window is over.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain import keys
from domain.enums import Comparator
from domain.evaluation.compare import Requirement, number
from domain.evaluation.policy import severity
from domain.evaluation.series import due_through, year_to_date
from domain.evaluation.shared import addressed, reported
from domain.evaluation.verdicts import not_reported, standing
from domain.facts import IndicatorFacts, Series
from domain.findings import Finding, GrowthBelow, NotYetDue, OnPace, TargetMet
from domain.keys import MISSED, Question


def year_totals(values: Series) -> dict[int, float]:
    """Each year's whole-year total, for the years whose December figure is in."""
    totals = {}
    for year in sorted({int(m[:4]) for m in values.months}):
        ytd = year_to_date(values, year)
        if ytd is not None and ytd[1] == 12:
            totals[year] = ytd[0]
    return totals


def average_rate(first: float, last: float, years: int) -> float:
    """The compound average annual growth in % from ``first`` to ``last`` over ``years`` years."""
    return round(float(((last / first) ** (1 / years) - 1) * 100), 9)  # no float noise at a strict 高于


def evaluate_average_growth(
    indicator: IndicatorFacts,
    by_code: Mapping[str, IndicatorFacts],
    as_of: date,
    after_day: int = 10,
) -> Finding:
    """Exactly one verdict for a 年均增长 target over ``indicator``'s window."""
    assert indicator.window_start is not None and indicator.window_end is not None
    base_year, end_year = indicator.window_start.year - 1, indicator.window_end.year
    key = keys.indicator(indicator.project, indicator.code).key(Question.GROWTH, end_year)
    target = indicator.target_for(end_year)
    need = (
        Requirement(indicator.comparator, target, tolerance=indicator.tolerance)
        if target is not None
        else None
    )
    base = by_code.get(indicator.base or "")
    totals = year_totals(reported(base.values, as_of)) if base else {}
    later = [y for y in totals if base_year < y <= end_year]
    over = due_through(as_of, after_day) >= f"{end_year:04d}-12"
    if need is None or base_year not in totals or not later or totals[base_year] <= 0:
        if over:
            return not_reported(indicator, key, requirement=need, period=f"{end_year} 年已结束")
        missing = (
            f" {base_year} 年的全年基数" if base_year not in totals else f" {base_year + 1} 年起的全年数值"
        )
        return standing(
            NotYetDue, indicator, key, requirement=need, amount=None, month=None, basis=f"尚无{missing}"
        )
    last = max(later)
    years = last - base_year
    rate = average_rate(totals[base_year], totals[last], years)
    unit = f" {base.unit}" if base and base.unit else ""
    method = (
        f"{base.code} {base.name}由 {base_year} 年的 {number(totals[base_year])}{unit}到 {last} 年的 "
        f"{number(totals[last])}{unit}，{years} 年年均增长 {rate:.1f}%"
        f"（({number(totals[last])} ÷ {number(totals[base_year])})^(1/{years}) − 1）"
        if base
        else ""
    )
    final = last == end_year
    month = f"{last:04d}-12"
    if over and not final:  # the window is over but its last year was never reported in full
        return not_reported(
            indicator, key, requirement=need, period=f"{end_year} 年已结束", amount=rate, month=month
        )
    if need.met(rate):
        kind = TargetMet if final else OnPace
        return standing(kind, indicator, key, requirement=need, amount=rate, month=month, basis=method)
    return GrowthBelow(
        key=key,
        severity=severity(indicator.binding, final),
        stage=MISSED if final else keys.month_stage(12),
        escalate=final,
        repeat=final,
        rate=rate,
        required=need.target,
        target=need.target,
        month=month,
        year=last,
        base=f"{base.code} {base.name}" if base else None,
        reference=None,
        reference_value=None,
        reference_month=None,
        binding=indicator.binding,
        sources=base.sources if base else indicator.sources,
        method=method,
        strict=indicator.comparator is Comparator.GT,
        **addressed(indicator),
    )
