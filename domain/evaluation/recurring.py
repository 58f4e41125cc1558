"""Deliverables due again each period: 每月报送一次工作进展, 季度督查, 半年通报.

A recurring deliverable's periods are the calendar months, quarters, half-years or years that
meet its window. Each period's deliverable is due ``grace_days`` after the period ends and is
closed by a figure recorded for any month of that period (``duban record Q43 --month 2023-05``,
with the report as evidence). Exactly one verdict: the oldest period still open whose reminder
has begun (each period its own alert, reminded like a deadline), else met once every period is
closed and the last one is past, else not yet due with the next period's date.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from domain import keys
from domain.evaluation.deadlines import deadline_step
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import month_of
from domain.evaluation.verdicts import standing
from domain.facts import IndicatorFacts
from domain.findings import DeliverableDue, DeliverableOverdue, Finding, NotYetDue, TargetMet
from domain.keys import ESCALATED
from domain.workdays import WorkCalendar


@dataclass(frozen=True)
class Period:
    """One period of a recurring deliverable: its months (YYYY-MM) and its due date."""

    label: str
    first: str
    last: str
    due: date


def periods(indicator: IndicatorFacts, start: date, end: date) -> list[Period]:
    """The periods of ``indicator``'s recurrence that meet ``start``–``end``, in order."""
    assert indicator.recurs is not None
    span = indicator.recurs.months
    found: list[Period] = []
    index = (start.year * 12 + start.month - 1) // span * span  # months since year 0, aligned
    while True:
        year, month = divmod(index, 12)
        if date(year, month + 1, 1) > end:
            return found
        last_year, last_month = divmod(index + span - 1, 12)
        closes = date(last_year, last_month + 1, monthrange(last_year, last_month + 1)[1])
        found.append(
            Period(
                _label(year, month + 1, span),
                f"{year:04d}-{month + 1:02d}",
                f"{last_year:04d}-{last_month + 1:02d}",
                closes + timedelta(days=indicator.grace_days),
            )
        )
        index += span


def _label(year: int, month: int, span: int) -> str:
    if span == 1:
        return f"{year}年{month}月"
    if span == 3:
        return f"{year}年第{'一二三四'[(month - 1) // 3]}季度"
    if span == 6:
        return f"{year}年{'上' if month == 1 else '下'}半年"
    return f"{year}年"


def evaluate_recurring(
    indicator: IndicatorFacts,
    start: date | None,
    end: date | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
) -> Finding:
    """Exactly one verdict for a deliverable due each period of its window."""
    subject = keys.indicator(indicator.project, indicator.code)
    title = f"{indicator.code} {indicator.name}"
    if start is None or end is None:
        key = subject.key(keys.Question.DELIVERABLE)
        return standing(
            NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis="方案未给出期间"
        )
    every, open_ = periods(indicator, start, end), still_open(indicator, start, end, as_of)
    for period in open_:
        step = deadline_step(period.due, as_of, calendar, policy)
        if step is None:
            continue
        # One verdict names the oldest period; the later ones already late are counted in it.
        later = sum(1 for p in open_ if period.due < p.due < as_of)
        also = f"，此后另有 {later} 期逾期未报送" if later else ""
        late = DeliverableOverdue if step.overdue else DeliverableDue
        return late(
            key=subject.key(keys.Question.DELIVERABLE, period.due),
            project=indicator.project,
            severity=severity(indicator.binding, step.overdue),
            subject=f"{title}（{period.label}{also}）",
            stage=step.stage,
            persons=indicator.persons,
            units=(indicator.responsible_unit,) if indicator.responsible_unit else (),
            due=period.due,
            workdays_left=step.workdays_left,
            escalate=step.stage == ESCALATED,
            binding=indicator.binding,
            overdue_workdays=step.overdue_workdays,
        )
    key = subject.key(keys.Question.DELIVERABLE, every[-1].due if every else end)
    kind = TargetMet if not open_ and (not every or as_of > every[-1].due) else NotYetDue
    basis = progress_words(indicator, start, end, as_of)
    return standing(kind, indicator, key, requirement=None, amount=None, month=None, basis=basis)


def still_open(indicator: IndicatorFacts, start: date, end: date, as_of: date) -> list[Period]:
    """The periods no figure has been recorded for (by ``as_of``), oldest first."""
    recorded = {m for m in indicator.values.months if m <= month_of(as_of)}
    return [p for p in periods(indicator, start, end) if not any(p.first <= m <= p.last for m in recorded)]


def progress_words(indicator: IndicatorFacts, start: date, end: date, as_of: date) -> str:
    """How far a recurring deliverable has come, for the verdict and the project page."""
    every, open_ = periods(indicator, start, end), still_open(indicator, start, end, as_of)
    if not open_:
        return f"{len(every)} 期均已报送"
    upcoming = open_[0]
    when = f"{upcoming.due.year}年{upcoming.due.month}月{upcoming.due.day}日"
    return f"已报送 {len(every) - len(open_)}/{len(every)} 期，下一期（{upcoming.label}）时限 {when}"
