"""Silences, as Alertmanager has them: matchers and a time window that mute notifications.

A silence belongs to one project and may narrow it by unit, person, finding kind and alert key.
It matches an alert when every matcher it gives agrees with the alert: the project and the kind
are equal, the unit and the person are among the alert's responsible units and persons, and the
alert's key is the given key or lies under it (``pianguan/item/-/3`` covers every question about
问题3, so one item is silenced whole). Matchers left out match anything.

A silence mutes from ``starts_at`` until ``ends_at``, or until it was ended early
(``expired_at``), whichever comes first; from that moment it mutes nothing. While it mutes, an
alert it matches is told to nobody — not the responsible people, not the leaders' escalation —
as Alertmanager mutes every notification of a silenced alert. A resolution is still told
(:mod:`domain.alerting`): it is good news and ends the question.

Pure: the moment to judge at is given (:func:`domain.alerting.judging_moment`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.keys import SEP


@dataclass(frozen=True)
class Target:
    """What a silence is matched against: an alert, or a finding about to become one."""

    project: str
    key: str
    kind: str
    units: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matchers:
    """Which alerts a silence covers; ``None`` matches anything."""

    project: str
    unit: str | None = None
    person: str | None = None
    kind: str | None = None
    key: str | None = None

    def match(self, target: Target) -> bool:
        return (
            target.project == self.project
            and (self.kind is None or target.kind == self.kind)
            and (self.unit is None or self.unit in target.units)
            and (self.person is None or self.person in target.persons)
            and (self.key is None or target.key == self.key or target.key.startswith(self.key + SEP))
        )


@dataclass(frozen=True)
class Window:
    """When a silence mutes: from ``starts_at`` to ``ends_at``, unless ended early."""

    starts_at: datetime
    ends_at: datetime
    expired_at: datetime | None = None

    @property
    def end(self) -> datetime:
        """The moment it stops muting."""
        return min(self.ends_at, self.expired_at) if self.expired_at else self.ends_at

    def mutes_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.end


@dataclass(frozen=True)
class Rule:
    """One silence: its matchers and its window."""

    matchers: Matchers
    window: Window

    def mutes(self, target: Target, at: datetime) -> bool:
        return self.window.mutes_at(at) and self.matchers.match(target)


def muted_until(rules: Iterable[Rule], target: Target, at: datetime) -> datetime | None:
    """Until when ``target`` is muted at ``at`` (the latest end among the silences muting it), or
    ``None`` when no silence mutes it."""
    ends = [rule.window.end for rule in rules if rule.mutes(target, at)]
    return max(ends) if ends else None
