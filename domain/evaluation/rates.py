"""Ratios and growth rates, both in percent.

* A ratio (≥ 60 % of new market entities doing e-commerce; fund disbursement ≥ 70 % by a date)
  is the latest figure of a share, held against its floor each month; with a due date it is
  reminded like a deadline and missed after it.
* A growth rate (同比 ≥ 10 %) is computed from the ``base`` indicator's year-to-date against the
  same months of the year before, or read from the indicator's own figures when it has no base.
  With a ``reference`` (the city's average growth, itself a figure) the required rate is that
  figure plus the target's points — 沁县's "高于全市平均水平 N 个百分点".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain import keys
from domain.enums import Comparator, PeriodKind
from domain.evaluation.compare import Requirement
from domain.evaluation.compare import number as number_words
from domain.evaluation.deadlines import deadline_step
from domain.evaluation.plan_targets import level_by_date
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import due_through, month_of, year_to_date
from domain.evaluation.shared import addressed, reported
from domain.evaluation.verdicts import not_reported, requirement_of, standing
from domain.facts import IndicatorFacts, MonthValue
from domain.findings import (
    Finding,
    GrowthBelow,
    NotYetDue,
    OnPace,
    RatioBelow,
    RatioMissed,
    TargetMet,
)
from domain.keys import ESCALATED, MISSED, Question
from domain.workdays import WorkCalendar


def evaluate_ratio(
    indicator: IndicatorFacts,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
    plan_end: date | None = None,
) -> list[Finding]:
    """Exactly one verdict: the latest share against its floor (by a date, or each year)."""
    values = reported(indicator.values, as_of)
    if indicator.window_start is not None:  # a share for 2025 is not judged on 2023's figures
        values = values.between(month_of(indicator.window_start), "9999-12")
    latest = values[-1] if values else None
    target = indicator.target_for(int(latest.month[:4])) if latest else indicator.target
    subject = keys.indicator(indicator.project, indicator.code)
    by_date = indicator.period is PeriodKind.ONCE and indicator.due is not None
    key = (
        subject.key(Question.RATIO, indicator.due)
        if by_date
        else subject.key(Question.RATIO, int(latest.month[:4]) if latest else as_of.year)
    )
    if target is None:
        return [
            standing(
                NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis="方案未给出目标"
            )
        ]
    need = requirement_of(indicator, target)
    level = latest.value if latest else None
    month = latest.month if latest else None
    if level is not None and need.met(level):
        return [
            standing(
                TargetMet, indicator, key, requirement=need, amount=level, month=month, basis="按最新数值"
            )
        ]
    if by_date:
        assert indicator.due is not None
        step = deadline_step(indicator.due, as_of, calendar, policy)
        when = f"时限 {indicator.due_words}"
        if step is None:
            return [
                standing(NotYetDue, indicator, key, requirement=need, amount=level, month=month, basis=when)
            ]
        if step.overdue and level is None:
            return [
                not_reported(
                    indicator,
                    key,
                    requirement=need,
                    period=f"{when}已过",
                    stage=step.stage,
                    escalate=step.stage == ESCALATED,
                    workdays_left=step.workdays_left,
                )
            ]
        if level is None:  # nothing reported yet is not "below": remind of the date as for a level
            return [level_by_date(indicator, key, step, need, None, None)]
        kind = RatioMissed if step.overdue else RatioBelow
        return [
            kind(
                key=key,
                severity=severity(indicator.binding, step.overdue),
                stage=step.stage,
                due=indicator.due,
                workdays_left=step.workdays_left,
                escalate=step.stage == ESCALATED,
                value=level,
                target=target,
                month=month,
                binding=indicator.binding,
                comparator=indicator.comparator,
                sources=indicator.sources,
                **addressed(indicator),
            )
        ]
    due = due_through(as_of, policy.missing_after_day)
    if latest is None:
        year = min(int(due[:4]), plan_end.year) if plan_end else int(due[:4])
        if indicator.window_start is not None:
            year = max(year, indicator.window_start.year)
        key = subject.key(Question.RATIO, year)
        if due >= f"{year:04d}-12":  # the year is over, and no share was ever reported
            return [not_reported(indicator, key, requirement=need, period=f"{year} 年已结束")]
        return [
            standing(NotYetDue, indicator, key, requirement=need, amount=None, month=None, basis="尚无数值")
        ]
    year, number = int(latest.month[:4]), int(latest.month[5:7])
    final = number == 12 or due >= f"{year:04d}-12"  # December's share, or the year is over
    yearly = RatioMissed if final else RatioBelow
    return [
        yearly(
            key=key,
            severity=severity(indicator.binding, final),
            stage=MISSED if final else keys.month_stage(number),
            escalate=final,
            repeat=final,
            value=level,
            target=target,
            month=month,
            binding=indicator.binding,
            comparator=indicator.comparator,
            sources=indicator.sources,
            year=year,
            **addressed(indicator),
        )
    ]


def growth_at(
    indicator: IndicatorFacts, base: IndicatorFacts | None, as_of: date
) -> tuple[float, str] | None:
    """(growth in %, month it was measured at) from the base's year-to-date, or the own figure."""
    if base is None:
        values = reported(indicator.values, as_of)
        return (values[-1].value, values[-1].month) if values else None
    values = reported(base.values, as_of)
    if not values:
        return None
    year, month = int(values[-1].month[:4]), int(values[-1].month[5:7])
    now, before = year_to_date(values, year, month), year_to_date(values, year - 1, month)
    if now is None or before is None or before[1] != month or before[0] <= 0:
        return None  # last year's same months are not all in: the rate cannot be computed honestly
    # Rounded past any printed digit: 1.12 ÷ 1.00 is 12.000000000000011 %, and 高于 12 % is strict.
    return round((now[0] / before[0] - 1) * 100, 9), values[-1].month


def _reference_at(reference: IndicatorFacts | None, month: str) -> MonthValue | None:
    if reference is None:
        return None
    earlier = reference.values.before(month + "~")  # "~" sorts after every day of the month
    return earlier[-1] if earlier else None


def evaluate_growth(
    indicator: IndicatorFacts,
    by_code: Mapping[str, IndicatorFacts],
    as_of: date,
    plan_end: date | None = None,
    after_day: int = 10,
) -> list[Finding]:
    """Exactly one verdict: the rate against its requirement; with no rate, not reported once the
    plan is over (the growth is judged by then), else not yet due."""
    base = by_code.get(indicator.base) if indicator.base else None
    measured = growth_at(indicator, base, as_of)
    if measured and indicator.window_start and measured[1] < month_of(indicator.window_start):
        measured = None  # a rate before the target's own window is not the one it asks for
    subject = keys.indicator(indicator.project, indicator.code)
    reference = by_code.get(indicator.reference) if indicator.reference else None
    ref = _reference_at(reference, measured[1]) if measured else None
    if measured is None or (indicator.reference and ref is None):
        # No rate, or no reference figure to hold it to yet (the hygiene rules ask for it).
        target = indicator.target_for(as_of.year)
        need = requirement_of(indicator, target) if target is not None else None
        if plan_end is not None and due_through(as_of, after_day) >= month_of(plan_end):
            over = f"方案期已于 {plan_end.year}年{plan_end.month}月{plan_end.day}日结束"
            key = subject.key(Question.GROWTH, plan_end.year)
            return [not_reported(indicator, key, requirement=need, period=over)]
        key = subject.key(Question.GROWTH, as_of.year)
        return [
            standing(
                NotYetDue, indicator, key, requirement=need, amount=None, month=None, basis="尚无可计算的增速"
            )
        ]
    rate, month = measured
    year, number = int(month[:4]), int(month[5:7])
    final = number == 12
    key = subject.key(Question.GROWTH, year)
    target = indicator.target_for(year)
    if target is None:
        return [
            standing(
                NotYetDue, indicator, key, requirement=None, amount=rate, month=month, basis="方案未给出目标"
            )
        ]
    required = target + (ref.value if ref else 0.0)
    need = Requirement(indicator.comparator, required, tolerance=indicator.tolerance)
    if need.met(rate):  # 高于 (gt) is strict: exactly the city's rate plus the points is not above it
        kind = TargetMet if final else OnPace
        basis = f"{year} 年截至 {number} 月同比" + (
            f"，要求高于{reference.name} {number_words(target)} 个百分点" if reference else ""
        )
        return [standing(kind, indicator, key, requirement=need, amount=rate, month=month, basis=basis)]
    return [
        GrowthBelow(
            key=key,
            severity=severity(indicator.binding, final),
            stage=MISSED if final else keys.month_stage(number),
            escalate=final,
            repeat=final,
            rate=rate,
            required=required,
            target=target,
            month=month,
            year=year,
            base=f"{base.code} {base.name}" if base else None,
            reference=f"{reference.code} {reference.name}" if reference else None,
            reference_value=ref.value if ref else None,
            reference_month=ref.month if ref else None,
            strict=indicator.comparator is Comparator.GT,
            binding=indicator.binding,
            sources=indicator.sources,
            **addressed(indicator),
        )
    ]
