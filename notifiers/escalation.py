"""The leadership group's own message: what is overdue, by unit, for how long, who was already
reminded and when — and what the group is asked to do.

The working group's digest tells people what to do; this one reports to those who can make them
do it (督促, 约谈, 调整时限). Pure: the escalated findings, each one's earlier reminders and the
as-of day in, an :class:`Escalation` out; the templates ``escalation.*.j2`` say it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.enums import FindingKind
from domain.findings import Finding
from domain.keys import natural_key

LATE_KINDS = frozenset({FindingKind.OVERDUE, FindingKind.DELIVERABLE_OVERDUE})
NO_UNIT = "未写明责任单位"


@dataclass(frozen=True)
class Reminder:
    day: date
    stage: str  # the stage told that day (remind-3, due, overdue …)


@dataclass(frozen=True)
class LateItem:
    finding: Finding
    days_late: int
    workdays_late: int
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class UnitBlock:
    units: tuple[str, ...]  # the responsible unit first, then those that share the work
    items: tuple[LateItem, ...]

    @property
    def shared_facts(self) -> LateItem | None:
        """One item standing for all, when every item has the same date, delay and people."""
        first = self.items[0]

        def facts(i: LateItem) -> tuple[object, ...]:
            return (i.finding.due, i.days_late, i.workdays_late, i.finding.persons)

        return first if all(facts(i) == facts(first) for i in self.items) else None

    @property
    def shared_reminders(self) -> tuple[Reminder, ...] | None:
        """The reminders, when every item of the block had the same ones (said once, not per item)."""
        first = self.items[0].reminders
        return first if all(i.reminders == first for i in self.items) else None


@dataclass(frozen=True)
class Escalation:
    project_name: str
    channel_name: str
    as_of: date
    blocks: tuple[UnitBlock, ...]
    others: tuple[Finding, ...]  # escalated findings that are not late items (a missed target)
    page: str | None = None

    @property
    def count(self) -> int:
        return sum(len(b.items) for b in self.blocks) + len(self.others)

    @property
    def late(self) -> int:
        return sum(len(b.items) for b in self.blocks)

    @property
    def deliverables(self) -> int:
        """How many of the late items are deliverables (建设任务) rather than rectification items."""
        kind = FindingKind.DELIVERABLE_OVERDUE
        return sum(1 for b in self.blocks for i in b.items if i.finding.kind is kind)


def build_escalation(
    project_name: str,
    channel_name: str,
    as_of: date,
    findings: Iterable[Finding],
    history: Mapping[str, Sequence[tuple[date, str]]],
    *,
    page: str | None = None,
) -> Escalation:
    """Late items by their units (longest late first), the rest after; ``history`` by alert key."""
    by_units: dict[tuple[str, ...], list[LateItem]] = {}
    others = []
    for finding in findings:
        if finding.kind not in LATE_KINDS or finding.due is None:
            others.append(finding)
            continue
        reminders = tuple(Reminder(day, stage) for day, stage in history.get(finding.key, ()))
        item = LateItem(finding, (as_of - finding.due).days, -(finding.workdays_left or 0), reminders)
        by_units.setdefault(finding.units or finding.persons or (NO_UNIT,), []).append(item)
    blocks = [
        UnitBlock(units, tuple(sorted(items, key=lambda i: (-i.days_late, natural_key(i.finding.key)))))
        for units, items in by_units.items()
    ]
    blocks.sort(key=lambda b: (-max(i.days_late for i in b.items), b.units))
    return Escalation(project_name, channel_name, as_of, tuple(blocks), tuple(others), page)


def escalation_subject(escalation: Escalation) -> str:
    return (
        f"【逾期上报】{escalation.project_name}：{escalation.count} 项逾期未完成，"
        f"报请领导小组督办（{escalation.as_of:%Y-%m-%d}）"
    )
