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
from domain.enums import PeriodKind
from domain.evaluation.deadlines import deadline_step
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import year_to_date
from domain.evaluation.targets import addressed, meets, reported
from domain.facts import IndicatorFacts, MonthValue
from domain.findings import Finding, GrowthBelow, RatioBelow, RatioMissed
from domain.keys import ESCALATED, MISSED, Question
from domain.workdays import WorkCalendar


def evaluate_ratio(
    indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    values = reported(indicator.values, as_of)
    latest = values[-1] if values else None
    target = indicator.target_for(int(latest.month[:4])) if latest else indicator.target
    if target is None:
        return []
    subject = keys.indicator(indicator.project, indicator.code)
    level = latest.value if latest else None
    if level is not None and meets(level, indicator.comparator, target, indicator.target_high):
        return []
    month = latest.month if latest else None
    if indicator.period is PeriodKind.ONCE and indicator.due is not None:
        step = deadline_step(indicator.due, as_of, calendar, policy)
        if step is None:
            return []
        kind = RatioMissed if step.overdue else RatioBelow
        return [
            kind(
                key=subject.key(Question.RATIO, indicator.due),
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
    if latest is None:
        return []
    year, number = int(latest.month[:4]), int(latest.month[5:7])
    final = number == 12
    yearly = RatioMissed if final else RatioBelow
    return [
        yearly(
            key=subject.key(Question.RATIO, year),
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
    return (now[0] / before[0] - 1) * 100, values[-1].month


def _reference_at(reference: IndicatorFacts | None, month: str) -> MonthValue | None:
    if reference is None:
        return None
    earlier = reference.values.before(month + "~")  # "~" sorts after every day of the month
    return earlier[-1] if earlier else None


def evaluate_growth(
    indicator: IndicatorFacts, by_code: Mapping[str, IndicatorFacts], as_of: date
) -> list[Finding]:
    base = by_code.get(indicator.base) if indicator.base else None
    measured = growth_at(indicator, base, as_of)
    if measured is None:
        return []
    rate, month = measured
    target = indicator.target_for(int(month[:4]))
    if target is None:
        return []
    reference = by_code.get(indicator.reference) if indicator.reference else None
    ref = _reference_at(reference, month)
    if indicator.reference and ref is None:
        return []  # no reference figure yet: the data-hygiene rules ask for it
    required = target + (ref.value if ref else 0.0)
    if rate >= required:
        return []
    year, number = int(month[:4]), int(month[5:7])
    final = number == 12
    return [
        GrowthBelow(
            key=keys.indicator(indicator.project, indicator.code).key(Question.GROWTH, year),
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
            binding=indicator.binding,
            sources=indicator.sources,
            **addressed(indicator),
        )
    ]
