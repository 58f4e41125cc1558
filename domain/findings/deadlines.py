"""Findings about dates: rectification items (整改事项) and qualitative deliverables (建设任务)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.enums import Binding, FindingKind, Verdict
from domain.findings.base import Finding


@dataclass(frozen=True, kw_only=True)
class CheckIn(Finding):
    """An ongoing duty (并长期坚持) past its date: asked for this period's progress report."""

    kind: ClassVar[FindingKind] = FindingKind.CHECK_IN
    problem: str
    deadline_text: str | None
    ongoing: bool
    checkin_month: str | None  # YYYY-MM; None before the first check-in month has come


@dataclass(frozen=True, kw_only=True)
class ItemDeadline(Finding):
    """An open item against its deadline; the three kinds below are its steps."""

    problem: str
    deadline_text: str | None
    ongoing: bool
    overdue_days: int
    overdue_workdays: int


@dataclass(frozen=True, kw_only=True)
class DeadlineApproaching(ItemDeadline):
    kind: ClassVar[FindingKind] = FindingKind.DEADLINE_APPROACHING


@dataclass(frozen=True, kw_only=True)
class DeadlineToday(ItemDeadline):
    kind: ClassVar[FindingKind] = FindingKind.DEADLINE_TODAY


@dataclass(frozen=True, kw_only=True)
class Overdue(ItemDeadline):
    kind: ClassVar[FindingKind] = FindingKind.OVERDUE


@dataclass(frozen=True, kw_only=True)
class NoEvidence(Finding):
    """A deliverable marked done without proof — what the evaluators mark down."""

    kind: ClassVar[FindingKind] = FindingKind.NO_EVIDENCE

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_REPORTED  # done, but nothing shows it: the evaluators cannot count it

    binding: Binding
    done_on: date | None


@dataclass(frozen=True, kw_only=True)
class Deliverable(Finding):
    """A deliverable not done, against its date; the two kinds below are before and after it."""

    binding: Binding
    overdue_workdays: int


@dataclass(frozen=True, kw_only=True)
class DeliverableDue(Deliverable):
    kind: ClassVar[FindingKind] = FindingKind.DELIVERABLE_DUE

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_YET_DUE


@dataclass(frozen=True, kw_only=True)
class DeliverableOverdue(Deliverable):
    kind: ClassVar[FindingKind] = FindingKind.DELIVERABLE_OVERDUE

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET
