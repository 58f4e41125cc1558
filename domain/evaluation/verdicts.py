"""Building a target's quiet verdicts (met, on pace, not yet due) and its "not reported" finding.

The rules in :mod:`targets`, :mod:`rates` and :mod:`deadlines` give every target exactly one
verdict; these helpers keep the quiet ones and the not-reported one worded alike everywhere.
"""

from __future__ import annotations

from datetime import date

from domain import keys
from domain.enums import Severity
from domain.evaluation.compare import Requirement
from domain.evaluation.policy import severity
from domain.facts import IndicatorFacts
from domain.findings import NotReported, NotYetDue, Standing
from domain.keys import UNREPORTED


def requirement_of(indicator: IndicatorFacts, target: float) -> Requirement:
    """The requirement of ``indicator`` against ``target`` (a year's or town's own figure)."""
    high = indicator.target_high
    if high is not None and indicator.target is not None and target != indicator.target:
        high = high - indicator.target + target  # a year's figure moves the whole band
    return Requirement(indicator.comparator, target, high, indicator.tolerance)


def who(indicator: IndicatorFacts, town: str | None = None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(subject, persons, units) of a finding about ``indicator`` (one town's figures, if named)."""
    subject = f"{indicator.code} {indicator.name}" + (f"（{town}）" if town else "")
    units = (indicator.responsible_unit,) if indicator.responsible_unit else ()
    return subject, indicator.persons, units


def reporter(indicator: IndicatorFacts) -> str:
    """Who must report the figure, as the plan names them: the persons, else the unit."""
    if indicator.persons:
        unit = f"（{indicator.responsible_unit}）" if indicator.responsible_unit else ""
        return "、".join(indicator.persons) + unit
    return indicator.responsible_unit or ""


def standing(
    cls: type[Standing],
    indicator: IndicatorFacts,
    key: str,
    *,
    requirement: Requirement | None,
    amount: float | None,
    month: str | None,
    basis: str,
    town: str | None = None,
) -> Standing:
    subject, persons, units = who(indicator, town)
    return cls(
        key=key,
        project=indicator.project,
        subject=subject,
        stage="",
        severity=Severity.INFO,  # nothing to do: never weighs like a reminder
        persons=persons,
        units=units,
        due=indicator.due,
        repeat=False,
        binding=indicator.binding,
        requirement=requirement.words(indicator.unit or "") if requirement else "",
        amount=amount,
        unit=indicator.unit or "",
        month=month,
        basis=basis,
    )


def not_reported(
    indicator: IndicatorFacts,
    key: str,
    *,
    requirement: Requirement | None,
    period: str,
    amount: float | None = None,
    month: str | None = None,
    stage: str = UNREPORTED,
    escalate: bool = True,
    workdays_left: int | None = None,
    town: str | None = None,
) -> NotReported:
    """The target's period is over and no figure shows it met: weighed as heavily as a miss."""
    subject, persons, units = who(indicator, town)
    return NotReported(
        key=key,
        project=indicator.project,
        subject=subject,
        stage=stage,
        severity=severity(indicator.binding, True),
        persons=persons,
        units=units,
        due=indicator.due,
        workdays_left=workdays_left,
        escalate=escalate,
        binding=indicator.binding,
        requirement=requirement.words(indicator.unit or "") if requirement else "",
        unit=indicator.unit or "",
        period=period,
        amount=amount,
        month=month,
        reporter=reporter(indicator),
        source=indicator.source,
    )


def before_issue(indicator: IndicatorFacts, issued: date) -> Standing:
    """A target set by a rectification item's measures, judged before that plan was issued."""
    target = indicator.target
    return standing(
        NotYetDue,
        indicator,
        keys.indicator(indicator.project, indicator.code).key(keys.Question.ONCE, indicator.due),
        requirement=requirement_of(indicator, target) if target is not None else None,
        amount=None,
        month=None,
        basis=f"整改方案 {issued.year}年{issued.month}月{issued.day}日印发，此前不提醒",
    )
