"""The bureau's work list: per project, what is overdue, due soon, behind pace or not reported.

It is read from the same evaluation the messages use (:func:`evaluate_project` as of the judging
day), so the overview's counts, the lists on the page and the reminders in the groups agree: a
deliverable 20 days late is counted where an overdue item is, whoever is responsible for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from db.alerts import open_alerts
from db.facts_loader import load_projects
from domain.alerting import judging_moment
from domain.enums import AlertState, FindingKind, Severity
from domain.evaluation import Policy, evaluate_project
from domain.facts import ProjectFacts
from domain.findings import Finding, ItemDeadline
from domain.keys import natural_key
from domain.keys import parse as parse_key
from domain.labels import labels_of
from domain.workdays import WorkCalendar, office_morning
from jobs.silences import muted_keys
from notifiers.render import cn_date, sentence


class Kind(StrEnum):
    """The four lists, in the order the page shows them."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    BEHIND = "behind"
    UNREPORTED = "unreported"


KIND_LABELS = {
    Kind.OVERDUE: "逾期",
    Kind.DUE_SOON: "即将到期",
    Kind.BEHIND: "落后进度",
    Kind.UNREPORTED: "未报送",
}
NOT_ALERTED = "new"  # found today, no alert row yet (the next run will send it)
STATE_LABELS = {**labels_of(AlertState), NOT_ALERTED: "尚未提醒"}

_KIND_OF: dict[StrEnum, Kind] = {
    FindingKind.OVERDUE: Kind.OVERDUE,
    FindingKind.DELIVERABLE_OVERDUE: Kind.OVERDUE,
    FindingKind.TARGET_MISSED: Kind.OVERDUE,
    FindingKind.DEADLINE_APPROACHING: Kind.DUE_SOON,
    FindingKind.DEADLINE_TODAY: Kind.DUE_SOON,
    FindingKind.DELIVERABLE_DUE: Kind.DUE_SOON,
    FindingKind.TARGET_DUE: Kind.DUE_SOON,
    FindingKind.BEHIND_PACE: Kind.BEHIND,
    FindingKind.RATIO_BELOW: Kind.BEHIND,
    FindingKind.GROWTH_BELOW: Kind.BEHIND,
    FindingKind.NOT_REPORTED: Kind.UNREPORTED,
    FindingKind.MISSING_FIGURE: Kind.UNREPORTED,
}
_ORDER = {kind: n for n, kind in enumerate(Kind)}


@dataclass(frozen=True)
class Entry:
    """One line of a list: what, whose, by when, and how far from that day."""

    kind: Kind
    label: str  # 复核组问题3, S36 网络零售额
    text: str  # the problem as the document words it, or the messages' sentence
    units: tuple[str, ...]
    persons: tuple[str, ...]
    due: date | None
    days: int | None  # calendar days left; negative once past
    workdays: int | None  # working days left; negative once past
    severity: Severity
    state: str  # the alert's state, or NOT_ALERTED
    indicator: str | None = None  # the indicator it is about (its page), if any

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def due_text(self) -> str:
        return cn_date(self.due) if self.due else "—"

    @property
    def distance(self) -> str:
        """剩 3 个工作日（5 天） / 今天到期 / 逾期 12 天（8 个工作日）."""
        if self.days is None or self.workdays is None:
            return ""
        if self.days < 0:
            return f"逾期 {-self.days} 天（{max(-self.workdays, 1)} 个工作日）"
        if self.days == 0:
            return "今天到期"
        return f"剩 {self.workdays} 个工作日（{self.days} 天）"


@dataclass(frozen=True)
class Filters:
    """What the person narrowed the lists to; empty text means everything."""

    unit: str = ""
    person: str = ""
    kind: str = ""
    state: str = ""

    def keep(self, entry: Entry) -> bool:
        return (
            (not self.unit or self.unit in entry.units)
            and (not self.person or self.person in entry.persons)
            and (not self.kind or self.kind == entry.kind.value)
            and (not self.state or self.state == entry.state)
        )


@dataclass
class WorkList:
    code: str
    name: str
    entries: list[Entry] = field(default_factory=list)

    def count(self, kind: Kind) -> int:
        return sum(1 for e in self.entries if e.kind is kind)

    def counts(self) -> list[tuple[Kind, str, int]]:
        return [(kind, KIND_LABELS[kind], self.count(kind)) for kind in Kind]

    def units(self) -> list[str]:
        return sorted({u for e in self.entries for u in e.units}, key=natural_key)

    def persons(self) -> list[str]:
        return sorted({p for e in self.entries for p in e.persons}, key=natural_key)

    def states(self) -> list[str]:
        return sorted({e.state for e in self.entries})

    def filtered(self, filters: Filters) -> list[Entry]:
        return [e for e in self.entries if filters.keep(e)]


def work_lists(
    session: Session,
    codes: list[str] | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
    now: datetime | None = None,
) -> list[WorkList]:
    """Each project's lists as of ``as_of``, judged exactly as the messages judge it; an alert a
    silence mutes at the judging moment (``now`` on today's page) shows as 静默中."""
    lists = []
    at = judging_moment(now, as_of) if now is not None else office_morning(as_of)
    for project in load_projects(session, codes):
        states = {a.key: a.state.value for a in open_alerts(session, project=project.code)}
        states.update(
            dict.fromkeys(muted_keys(session, project=project.code, at=at), AlertState.SILENCED.value)
        )
        entries = [_entry(f, kind, as_of, states) for f, kind in _listed(project, as_of, calendar, policy)]
        lists.append(WorkList(project.code, project.name, ordered(entries)))
    return lists


def _listed(
    project: ProjectFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> Iterator[tuple[Finding, Kind]]:
    """The project's findings that a list shows, each with its list."""
    for finding in evaluate_project(project, as_of, calendar, policy.for_project(project.settings)):
        if (kind := _KIND_OF.get(finding.kind)) and not finding.quiet:
            yield finding, kind


@dataclass(frozen=True)
class ListCounts:
    """A project's count per list, as its :class:`WorkList` would show them."""

    code: str
    name: str
    counts: list[tuple[Kind, str, int]]


def list_counts(
    session: Session, codes: list[str] | None, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[ListCounts]:
    """Each project's counts per list, judged as :func:`work_lists` judges them but without the
    alerts' states, which a count does not need: the overview of a province's many projects reads
    no alert (two queries per project) and builds no entry."""
    found = []
    for project in load_projects(session, codes):
        kinds = Counter(kind for _, kind in _listed(project, as_of, calendar, policy))
        found.append(ListCounts(project.code, project.name, [(k, KIND_LABELS[k], kinds[k]) for k in Kind]))
    return found


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """By list, then as the document numbers its problems (问题2 before 问题12)."""
    return sorted(entries, key=lambda e: (_ORDER[e.kind], natural_key(e.label)))


def _entry(finding: Finding, kind: Kind, as_of: date, states: dict[str, str]) -> Entry:
    due = finding.due
    if isinstance(finding, ItemDeadline):
        text = finding.problem
    else:  # the messages' sentence, without the label the list shows in its own column
        text = sentence(finding).removeprefix(finding.subject).lstrip("：")
    return Entry(
        kind=kind,
        label=finding.subject,
        text=text,
        units=finding.units,
        persons=finding.persons,
        due=due,
        days=(due - as_of).days if due else None,
        workdays=finding.workdays_left if due else None,
        severity=finding.severity,
        state=states.get(finding.key, NOT_ALERTED),
        indicator=parse_key(finding.key).indicator_code,
    )
