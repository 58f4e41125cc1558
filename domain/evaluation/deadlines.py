"""Deadlines: rectification items (整改时限) and qualitative deliverables (建设任务), in working days.

* Reminders at the policy's working-day offsets before the date (default 5, 3, 1 and on the day).
* The day after the date it is overdue; after ``escalate_after_workdays`` more working days it is
  escalated to the leadership group as well.
* An ongoing duty (并长期坚持) is never "overdue": past its date it gets a periodic check-in on
  the first working day of the month instead.
* No item is reminded before its rectification plan was issued (``rectification.issued``): the
  first evaluation on or after that day tells, in one digest per group, whatever is already due.
* A closed item (销号) or a done deliverable says nothing — except a deliverable marked done
  without any evidence, because "no evidence" is exactly what the evaluators mark down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import keys
from domain.enums import ItemStatus, Severity
from domain.evaluation.policy import Policy, severity
from domain.evaluation.verdicts import standing
from domain.facts import IndicatorFacts, ItemFacts
from domain.findings import (
    CheckIn,
    DeadlineApproaching,
    DeadlineToday,
    DeliverableDue,
    DeliverableOverdue,
    Finding,
    ItemDeadline,
    NoEvidence,
    NotYetDue,
    Overdue,
    TargetMet,
)
from domain.keys import DUE, ESCALATED, OVERDUE
from domain.workdays import WorkCalendar


@dataclass(frozen=True)
class Step:
    stage: str
    workdays_left: int  # negative once past the date
    overdue_workdays: int = 0

    @property
    def overdue(self) -> bool:
        return self.stage in (OVERDUE, ESCALATED)


def deadline_step(due: date, as_of: date, calendar: WorkCalendar, policy: Policy) -> Step | None:
    """Where ``as_of`` stands against ``due``: a reminder step, due, overdue, escalated — or None."""
    if as_of > due:
        late = calendar.workdays_between(due, as_of)
        stage = ESCALATED if late >= policy.escalate_after_workdays else OVERDUE
        return Step(stage, -max(late, 1), late)
    left = calendar.workdays_between(as_of, due)
    reminder = policy.stage(left)
    return Step(reminder, left) if reminder else None


def checkin_month(as_of: date, after: date | None, calendar: WorkCalendar, every: int) -> str | None:
    """The latest check-in month (YYYY-MM) whose first working day has come, after ``after``."""
    year, month = as_of.year, as_of.month
    for _ in range(every + 2):
        index = year * 12 + month - 1
        starts = calendar.next_workday(date(year, month, 1))
        if index % every == 0 and starts <= as_of:
            if after is not None and (year, month) <= (after.year, after.month):
                return None
            return f"{year:04d}-{month:02d}"
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def evaluate_item(item: ItemFacts, as_of: date, calendar: WorkCalendar, policy: Policy) -> Finding | None:
    if item.status is ItemStatus.CLOSED:
        return None
    subject = keys.item(item.project, item.batch, item.number)
    key = keys.deadline_key(subject, item.deadline)
    if item.ongoing and (item.deadline is None or as_of > item.deadline):
        month = checkin_month(as_of, item.deadline, calendar, policy.checkin_every_months)
        return CheckIn(
            key=key,
            project=item.project,
            subject=item.label,
            persons=item.persons,
            units=item.units,
            due=item.deadline,
            severity=Severity.INFO,
            stage=keys.checkin(month) if month else DUE,
            repeat=False,
            problem=item.problem,
            deadline_text=item.deadline_text,
            ongoing=item.ongoing,
            checkin_month=month,
        )
    if item.deadline is None:
        return None
    step = deadline_step(item.deadline, as_of, calendar, policy)
    if step is None:
        return None
    kind: type[ItemDeadline] = (
        DeadlineToday if step.stage == DUE else Overdue if step.overdue else DeadlineApproaching
    )
    return kind(
        key=key,
        project=item.project,
        subject=item.label,
        persons=item.persons,
        units=item.units,
        due=item.deadline,
        severity=Severity.WARNING if kind is DeadlineApproaching else Severity.CRITICAL,
        stage=step.stage,
        workdays_left=step.workdays_left,
        escalate=step.stage == ESCALATED,
        problem=item.problem,
        deadline_text=item.deadline_text,
        ongoing=item.ongoing,
        overdue_days=(as_of - item.deadline).days if step.overdue else 0,
        overdue_workdays=step.overdue_workdays,
    )


def evaluate_deliverable(
    indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> Finding:
    """Exactly one verdict: done (with proof), a reminder or overdue, or quietly not yet due."""
    subject = keys.indicator(indicator.project, indicator.code)
    title = f"{indicator.code} {indicator.name}"
    units = (indicator.responsible_unit,) if indicator.responsible_unit else ()
    key = (
        subject.key(keys.Question.DELIVERABLE, indicator.due)
        if indicator.due
        else subject.key(keys.Question.DELIVERABLE)
    )
    done_on = f"，完成于 {indicator.done_on}" if indicator.done_on else ""
    if indicator.done:
        if indicator.done_evidence:
            return standing(
                TargetMet,
                indicator,
                key,
                requirement=None,
                amount=None,
                month=None,
                basis=f"已完成{done_on}，佐证材料已存证",
            )
        return NoEvidence(
            key=subject.key(keys.Question.EVIDENCE),
            project=indicator.project,
            severity=severity(indicator.binding, False),
            subject=title,
            stage=keys.EVIDENCE_MISSING,
            persons=indicator.persons,
            units=units,
            binding=indicator.binding,
            done_on=indicator.done_on,
        )
    if indicator.due is None:
        return standing(
            NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis="方案未给出时限"
        )
    step = deadline_step(indicator.due, as_of, calendar, policy)
    if step is None:
        when = f"时限 {indicator.due_words}"
        return standing(NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis=when)
    kind = DeliverableOverdue if step.overdue else DeliverableDue
    return kind(
        key=subject.key(keys.Question.DELIVERABLE, indicator.due),
        project=indicator.project,
        severity=severity(indicator.binding, step.overdue),
        subject=title,
        stage=step.stage,
        persons=indicator.persons,
        units=units,
        due=indicator.due,
        workdays_left=step.workdays_left,
        escalate=step.stage == ESCALATED,
        binding=indicator.binding,
        overdue_workdays=step.overdue_workdays,
    )
