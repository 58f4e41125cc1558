"""Arrange one run's findings for one channel into a digest: one message, not forty.

Sections follow severity, then deadline. Within a section, findings that concern the same people
and the same deadline are one group, so "高权、王雪：以下 14 项 10月15日到期" is said once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import groupby

from domain.enums import FindingKind
from domain.findings import KINDS, Finding, KindRegistry
from domain.keys import natural_key
from domain.labels import label, message_label


@dataclass(frozen=True)
class Group:
    persons: tuple[str, ...]
    units: tuple[str, ...]
    due: date | None
    workdays_left: int | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Section:
    kind: StrEnum  # a FindingKind, or a kind registered outside the product
    label: str
    severity: str
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(g.findings) for g in self.groups)


@dataclass(frozen=True)
class Digest:
    project_name: str
    channel_name: str
    as_of: date
    sections: tuple[Section, ...]
    resolved: tuple[Finding, ...] = ()
    mentions: tuple[str, ...] = field(default=())  # names of the persons to @
    reported: frozenset[str] = frozenset()  # keys that went to a leadership channel in this run
    page: str | None = None  # the project's web page, when the installation has a public address
    reply: str | None = None  # the reader's own reply link, in a reminder to one person
    detail: str | None = None  # the page of the one item or indicator the message is about

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)


GROUPED_KINDS = frozenset(
    {
        FindingKind.DEADLINE_APPROACHING,
        FindingKind.DEADLINE_TODAY,
        FindingKind.OVERDUE,
        FindingKind.DELIVERABLE_DUE,
        FindingKind.DELIVERABLE_OVERDUE,
    }
)


def build_digest(
    project_name: str,
    channel_name: str,
    as_of: date,
    findings: Iterable[Finding],
    resolved: Iterable[Finding] = (),
    kinds: KindRegistry = KINDS,
    *,
    reported: frozenset[str] = frozenset(),
    page: str | None = None,
    reply: str | None = None,
    detail: str | None = None,
) -> Digest:
    """Sections by severity, then kind in ``kinds``' order; grouped kinds by people and date.

    ``reported`` are the keys told to the leadership group in the same run: only their headings
    say so. ``page`` is where a shortened problem can be read in full; ``reply`` is the link through
    which the one person this digest goes to answers it; ``detail`` the page of the one item or
    indicator the whole digest is about, which it ends with.
    """
    ordered = sorted(
        findings,
        key=lambda f: (f.severity.rank, kinds.rank(f.kind), f.due or date.max, f.persons, natural_key(f.key)),
    )
    sections = []
    for kind, members in groupby(ordered, key=lambda f: (f.severity, f.kind)):
        severity, kind_ = kind
        batch = list(members)
        if kind_ in GROUPED_KINDS:
            batch.sort(key=lambda f: (f.due or date.max, f.persons, f.units, natural_key(f.key)))
            keyed = groupby(batch, key=lambda f: (f.persons, f.units, f.due, f.workdays_left))
            groups = tuple(Group(p, u, d, w, tuple(fs)) for (p, u, d, w), fs in keyed)
        else:
            groups = tuple(Group(f.persons, f.units, f.due, f.workdays_left, (f,)) for f in batch)
        sections.append(Section(kind_, section_label(kind_, groups, as_of, kinds), label(severity), groups))
    everyone = [p for f in ordered for p in f.persons]
    return Digest(
        project_name,
        channel_name,
        as_of,
        tuple(sections),
        tuple(resolved),
        tuple(dict.fromkeys(everyone)),
        reported,
        page,
        reply,
        detail,
    )


def section_label(kind: StrEnum, groups: tuple[Group, ...], as_of: date, kinds: KindRegistry) -> str:
    """The kind's label; "due today" only for what is due today, not on the weekend after it."""
    if kind is not FindingKind.DEADLINE_TODAY:
        return kinds.label(kind)
    later = sum(1 for g in groups if g.due is not None and g.due > as_of)
    if not later:
        return kinds.label(kind)
    return message_label("due_before_rest_day" if later == len(groups) else "due_today_or_rest_day")
