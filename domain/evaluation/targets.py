"""Numeric targets: per year (and per town), over the whole plan, once by a date.

Only months before the as-of month count: the current month is not over. A yearly target is
held against the pace (序时进度) each month and judged met or missed once December is in. A
cumulative target is paced over the plan's months and judged after the plan ends. A "once"
target (建筑面积 ≥ 100 平方米 by 2023-12-31) is reminded like a deadline until reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from domain import keys
from domain.enums import Binding, Comparator, PeriodKind
from domain.evaluation.deadlines import deadline_step
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import (
    forecast,
    forecast_method,
    month_amounts,
    month_of,
    months_between,
    pace_method,
    pace_share,
    year_to_date,
)
from domain.facts import IndicatorFacts, Series
from domain.findings import (
    BehindPace,
    Finding,
    OnceTargetMissed,
    PlanBehindPace,
    PlanTargetMissed,
    TargetDue,
    TargetMissed,
)
from domain.keys import ESCALATED, MISSED, Question
from domain.workdays import WorkCalendar


def meets(value: float, comparator: Comparator, target: float, high: float | None) -> bool:
    if comparator is Comparator.LE:
        return value <= target
    if comparator is Comparator.BETWEEN:
        return target <= value <= (high if high is not None else value)
    return value >= target


def reported(values: Series, as_of: date) -> Series:
    """The figures of complete months: those before the as-of month."""
    return values.before(month_of(as_of))


@dataclass(frozen=True)
class YearProgress:
    """Where a yearly target stands: the year-to-date amount against the target and the pace."""

    year: int
    month: int  # the last complete month reported
    amount: float
    target: float
    pace: float  # % of the target due by the end of ``month``

    @property
    def completion(self) -> float:
        return self.amount / self.target * 100


def year_progress(indicator: IndicatorFacts, as_of: date) -> YearProgress | None:
    """The progress bar of a yearly numeric target (the web page and the leaders' summary)."""
    values = reported(indicator.values, as_of)
    if indicator.period is not PeriodKind.PER_YEAR or not values:
        return None
    year = int(values.months[-1][:4])
    target = indicator.target_for(year)
    ytd = year_to_date(values, year)
    if not target or ytd is None:
        return None
    amount, month = ytd
    return YearProgress(year, month, amount, target, pace_share(month, indicator.pace) * 100)


class YearFigures(TypedDict):
    """Where a yearly target stands, as a missed target and a target behind the pace tell it."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    year: int
    month: int
    amount: float
    target: float
    town: str | None
    completion: float | None


class PlanFigures(TypedDict):
    """Where a target over the plan period stands, as a missed target and one behind the pace tell it."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    amount: float
    target: float
    month: str
    completion: float | None


class Addressed(TypedDict):
    project: str
    subject: str
    persons: tuple[str, ...]
    units: tuple[str, ...]


def addressed(indicator: IndicatorFacts, subject: str | None = None) -> Addressed:
    """Who a finding about ``indicator`` is for: its project, subject, persons and unit."""
    return Addressed(
        project=indicator.project,
        subject=subject or f"{indicator.code} {indicator.name}",
        persons=indicator.persons,
        units=(indicator.responsible_unit,) if indicator.responsible_unit else (),
    )


def evaluate_numeric(
    indicator: IndicatorFacts,
    project_start: date | None,
    project_end: date | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
) -> list[Finding]:
    if indicator.period is PeriodKind.PER_YEAR:
        return _yearly(indicator, reported(indicator.values, as_of), indicator.target_for, "")
    if indicator.period is PeriodKind.PER_YEAR_PER_TOWN:
        findings: list[Finding] = []
        for town, values in sorted(indicator.town_values.items()):

            def target(year: int, town: str = town) -> float | None:
                found = indicator.town_targets.get((year, town), indicator.town_targets.get((None, town)))
                return found if found is not None else indicator.target_for(year)

            findings += _yearly(indicator, reported(values, as_of), target, town)
        return findings
    if indicator.period is PeriodKind.CUMULATIVE:
        return _cumulative(indicator, project_start, project_end, as_of)
    return _once(indicator, as_of, calendar, policy)


def _yearly(
    indicator: IndicatorFacts, values: Series, target_for: Callable[[int], float | None], town: str
) -> list[Finding]:
    if not values:
        return []
    year = int(values[-1].month[:4])
    target = target_for(year)
    ytd = year_to_date(values, year)
    if target is None or ytd is None:
        return []
    amount, month = ytd
    subject = f"{indicator.code} {indicator.name}" + (f"（{town}）" if town else "")
    key = keys.indicator(indicator.project, indicator.code, town or None).key(Question.YEAR, year)
    figures = YearFigures(
        unit=indicator.unit or "",
        binding=indicator.binding,
        sources=indicator.sources,
        year=year,
        month=month,
        amount=amount,
        target=target,
        town=town or None,
        completion=amount / target * 100 if target else None,
    )
    if month == 12 or (indicator.comparator is Comparator.LE and amount > target):
        if meets(amount, indicator.comparator, target, indicator.target_high):
            return []
        return [
            TargetMissed(
                key=key,
                stage=MISSED,
                severity=severity(indicator.binding, True),
                escalate=True,
                **figures,
                **addressed(indicator, subject),
            )
        ]
    if indicator.comparator is not Comparator.GE:
        return []
    required = target * pace_share(month, indicator.pace)
    if amount >= required:
        return []
    expected = forecast(amount, month, indicator.pace)
    return [
        BehindPace(
            key=key,
            stage=keys.month_stage(month),
            severity=severity(indicator.binding, False),
            repeat=False,  # a new month is a new stage; the same numbers are not worth repeating
            required=required,
            gap=required - amount,
            gap_points=(required - amount) / target * 100 if target else 0.0,
            pace_method=pace_method(month, indicator.pace),
            forecast=expected,
            forecast_method=forecast_method(month, indicator.pace),
            forecast_short=expected is not None and expected < target,
            **figures,
            **addressed(indicator, subject),
        )
    ]


def _cumulative(
    indicator: IndicatorFacts, start: date | None, end: date | None, as_of: date
) -> list[Finding]:
    values = reported(indicator.values, as_of)
    target = indicator.target
    if target is None or not values or indicator.comparator is not Comparator.GE:
        return []
    first = month_of(start) if start else values[0].month
    amount = sum(a for m, a in month_amounts(values).items() if m >= first)
    last = values[-1].month
    key = keys.indicator(indicator.project, indicator.code).key(Question.PLAN)
    figures = PlanFigures(
        unit=indicator.unit or "",
        binding=indicator.binding,
        sources=indicator.sources,
        amount=amount,
        target=target,
        month=last,
        completion=amount / target * 100 if target else None,
    )
    if amount >= target:
        return []
    if end is not None and last >= month_of(end):
        return [
            PlanTargetMissed(
                key=key,
                stage=MISSED,
                severity=severity(indicator.binding, True),
                escalate=True,
                **figures,
                **addressed(indicator),
            )
        ]
    if start is None or end is None:
        return []
    total = months_between(first, month_of(end))
    elapsed = months_between(first, last)
    required = target * elapsed / total
    if amount >= required:
        return []
    return [
        PlanBehindPace(
            key=key,
            stage=keys.month_stage(last),
            severity=severity(indicator.binding, False),
            repeat=False,
            required=required,
            gap=required - amount,
            gap_points=(required - amount) / target * 100,
            pace_method=f"按方案期内时间均衡（线性）计算，{elapsed}/{total} 个月应完成总目标的相应份额",
            forecast=amount / elapsed * total,
            forecast_method=f"按已过 {elapsed} 个月的月均值推算到方案期末",
            forecast_short=amount / elapsed * total < target,
            **figures,
            **addressed(indicator),
        )
    ]


def _once(indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy) -> list[Finding]:
    """Reached once by a date: the latest figure is the level reached so far."""
    values = reported(indicator.values, as_of)
    target = indicator.target
    if target is None or indicator.due is None:
        return []
    level = values[-1].value if values else None
    if level is not None and meets(level, indicator.comparator, target, indicator.target_high):
        return []
    step = deadline_step(indicator.due, as_of, calendar, policy)
    if step is None:
        return []
    kind = OnceTargetMissed if step.overdue else TargetDue
    return [
        kind(
            key=keys.indicator(indicator.project, indicator.code).key(Question.ONCE, indicator.due),
            stage=step.stage,
            severity=severity(indicator.binding, step.overdue),
            due=indicator.due,
            workdays_left=step.workdays_left,
            escalate=step.stage == ESCALATED,
            unit=indicator.unit or "",
            binding=indicator.binding,
            sources=indicator.sources,
            amount=level,
            target=target,
            high=indicator.target_high,
            month=values[-1].month if values else None,
            comparator=indicator.comparator,
            **addressed(indicator),
        )
    ]
