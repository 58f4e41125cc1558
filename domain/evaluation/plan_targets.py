"""Targets over the whole plan period (cumulative) and levels to reach once by a date.

* A cumulative target (电商龙头企业不少于 5 家) is summed from ``plan_start``, paced linearly over
  the plan's months (floors reported monthly or quarterly only) and judged when the plan — or the
  indicator's own ``due`` — ends; its forecast rests on the months reported only.
* A "once" target (建筑面积 ≥ 100 平方米 by 2023-12-31): the latest figure is the level reached;
  until it is reached it is reminded like a deadline, then missed — or not reported, with none.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from domain import keys
from domain.enums import Binding
from domain.evaluation.compare import Requirement, number
from domain.evaluation.deadlines import Step, deadline_step
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import month_amounts, month_of, months_between
from domain.evaluation.shared import PACED, addressed, reported
from domain.evaluation.verdicts import not_reported, requirement_of, standing
from domain.facts import IndicatorFacts
from domain.findings import (
    Finding,
    NotYetDue,
    OnceTarget,
    OnceTargetMissed,
    OnPace,
    PlanBehindPace,
    PlanTargetMissed,
    TargetDue,
    TargetMet,
)
from domain.keys import ESCALATED, MISSED, Question
from domain.workdays import WorkCalendar


class PlanFigures(TypedDict):
    """Where a target over the plan period stands, as a missed target and one behind the pace tell it."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    amount: float
    target: float
    month: str
    completion: float | None


def evaluate_cumulative(
    indicator: IndicatorFacts, start: date | None, end: date | None, as_of: date, due: str
) -> Finding:
    values = reported(indicator.values, as_of)
    target = indicator.target
    key = keys.indicator(indicator.project, indicator.code).key(Question.PLAN)
    ends = f"{end.year}年{end.month}月{end.day}日" if end else ""
    span = "目标期间" if indicator.window_end else "方案期"  # its own window, or the plan's
    period = f"{span}（至 {ends}）" if end else span
    over = f"{span}已于 {ends}结束"
    if target is None:
        return standing(
            NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis="方案未给出目标"
        )
    need = requirement_of(indicator, target)
    closed = end is not None and due >= month_of(end)
    final = month_of(end) if end else "9999-12"  # figures after the target's own window are not its
    if not values or (start is not None and not values.between(month_of(start), final)):
        if closed:
            return not_reported(indicator, key, requirement=need, period=over)
        return standing(
            NotYetDue, indicator, key, requirement=need, amount=None, month=None, basis=f"{period}内达到即可"
        )
    first = month_of(start) if start else values[0].month
    amount = sum(a for m, a in month_amounts(values).items() if first <= m <= final)
    last = values[-1].month
    ok = need.met(amount)
    complete = end is not None and (last >= month_of(end) or (closed and indicator.cadence not in PACED))
    if complete:
        if ok:
            return standing(
                TargetMet, indicator, key, requirement=need, amount=amount, month=last, basis=f"{period}累计"
            )
        return PlanTargetMissed(
            key=key,
            stage=MISSED,
            severity=severity(indicator.binding, True),
            escalate=True,
            **_plan_figures(indicator, amount, target, last),
            **addressed(indicator),
        )
    if ok and (need.floor or not closed):
        return standing(
            TargetMet, indicator, key, requirement=need, amount=amount, month=last, basis=f"截至 {last} 累计"
        )
    if closed:  # the plan is over but its last months were never reported
        return not_reported(indicator, key, requirement=need, period=over, amount=amount, month=last)
    if start is None or end is None or not need.floor or indicator.cadence not in PACED:
        return standing(
            NotYetDue,
            indicator,
            key,
            requirement=need,
            amount=amount,
            month=last,
            basis=f"截至 {last} 累计，{period}结束时判定",
        )
    total = months_between(first, month_of(end))
    elapsed = months_between(first, last)
    required = target * elapsed / total
    # The forecast rests on the months reported only: a month without a figure is not a month of 0.
    months = len({m for m in values.months if m >= first})
    expected = amount / months * total
    gaps = elapsed - months
    basis = f"已过 {elapsed} 个月" if not gaps else f"已报送的 {months} 个月（{gaps} 个月未报送，不按 0 计）"
    method = f"按{span}内时间均衡（线性）计算，{elapsed}/{total} 个月应完成总目标的相应份额"
    if amount >= required:
        return standing(
            OnPace,
            indicator,
            key,
            requirement=need,
            amount=amount,
            month=last,
            basis=f"截至 {last} 累计；{method}，应完成 {number(required)} {indicator.unit or ''}",
        )
    return PlanBehindPace(
        key=key,
        stage=keys.month_stage(last),
        severity=severity(indicator.binding, False),
        repeat=False,
        required=required,
        gap=required - amount,
        gap_points=(required - amount) / target * 100,
        pace_method=method,
        forecast=expected,
        forecast_method=f"按{basis}的月均值推算到{span}末",
        forecast_short=expected < target,
        forecast_months=months,
        **_plan_figures(indicator, amount, target, last),
        **addressed(indicator),
    )


def _plan_figures(indicator: IndicatorFacts, amount: float, target: float, last: str) -> PlanFigures:
    return PlanFigures(
        unit=indicator.unit or "",
        binding=indicator.binding,
        sources=indicator.sources,
        amount=amount,
        target=target,
        month=last,
        completion=amount / target * 100 if target else None,
    )


def evaluate_once(indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy) -> Finding:
    """Reached once by a date: the latest figure is the level reached so far."""
    values = reported(indicator.values, as_of)
    target = indicator.target
    key = keys.indicator(indicator.project, indicator.code).key(Question.ONCE, indicator.due)
    if target is None:
        return standing(
            NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis="方案未给出目标"
        )
    need = requirement_of(indicator, target)
    level = values[-1].value if values else None
    month = values[-1].month if values else None
    if level is not None and need.met(level):
        return standing(
            TargetMet, indicator, key, requirement=need, amount=level, month=month, basis="按最新数值"
        )
    if indicator.due is None:
        return standing(
            NotYetDue, indicator, key, requirement=need, amount=level, month=month, basis="方案未给出时限"
        )
    step = deadline_step(indicator.due, as_of, calendar, policy)
    when = f"时限 {indicator.due_words}"
    if step is None:
        return standing(NotYetDue, indicator, key, requirement=need, amount=level, month=month, basis=when)
    if step.overdue and level is None:
        return not_reported(
            indicator,
            key,
            requirement=need,
            period=f"{when}已过",
            stage=step.stage,
            escalate=step.stage == ESCALATED,
            workdays_left=step.workdays_left,
        )
    return level_by_date(indicator, key, step, need, level, month)


def level_by_date(
    indicator: IndicatorFacts,
    key: str,
    step: Step,
    need: Requirement,
    level: float | None,
    month: str | None,
) -> OnceTarget:
    """A level to reach by the indicator's date, not reached yet: reminded before it, missed after."""
    assert indicator.due is not None
    kind = OnceTargetMissed if step.overdue else TargetDue
    return kind(
        key=key,
        stage=step.stage,
        severity=severity(indicator.binding, step.overdue),
        due=indicator.due,
        workdays_left=step.workdays_left,
        escalate=step.stage == ESCALATED,
        unit=indicator.unit or "",
        binding=indicator.binding,
        sources=indicator.sources,
        amount=level,
        target=need.target,
        high=need.high,
        requirement=need.words(indicator.unit or ""),
        month=month,
        comparator=indicator.comparator,
        **addressed(indicator),
    )
