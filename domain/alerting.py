"""Should we notify? A pure decision from the alert's memory, today's finding and the clock.

An alert is keyed by its finding's key (subject, kind, period). The rules, in order:

1. A run for an earlier as-of day than the alert has already seen changes nothing (replaying the
   past, or re-running a sequence of days, never re-sends).
2. An alert a silence mutes (:mod:`domain.silences`) says nothing, to anyone, until the silence
   ends or is ended early — a resolution excepted.
3. Messages go out on working days only; on a holiday the decision waits for the next working day.
4. It is notified when it first appears (or reappears after resolving), when it reaches a *later*
   stage (5 working days left → 3 → 1 → due → overdue → escalated), and again after
   ``repeat_every`` at the same stage if the finding allows repeats; never more often.
5. An acknowledged alert is not repeated, but a later stage is news and is told.
6. When its finding disappears it resolves: one "已解决" note if anyone had been told, a quiet
   close if not.

Two times, kept apart: ``now`` is the real clock (what happened when); ``as_of`` is the day the
plan is judged at. A run replaying another day judges silences at 9:00 on that day
(:func:`judging_moment`) and counts the repeat interval in as-of days from the day last told, so
a replay never needs a stamp from the simulated date and never leaves one behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.enums import AlertState
from domain.findings import Finding
from domain.keys import stage_rank
from domain.workdays import OFFICE_TZ, office_morning


class Reason(StrEnum):
    FIRST = "first notification"
    NEW_STAGE = "new stage"
    REPEAT = "repeat interval elapsed"
    RESOLVED = "resolved"
    RESOLVED_QUIETLY = "resolved: nobody had been told"
    UNCHANGED = "do not notify: already told"
    SILENCED = "do not notify: silenced"
    ACKNOWLEDGED = "do not notify: acknowledged"
    NOT_WORKDAY = "do not notify: not a working day"
    REPLAY = "do not notify: an earlier day than already evaluated"
    STILL_RESOLVED = "do not notify: nothing open"

    @property
    def notifies(self) -> bool:
        return self in (Reason.FIRST, Reason.NEW_STAGE, Reason.REPEAT, Reason.RESOLVED)

    @property
    def resolves(self) -> bool:
        return self in (Reason.RESOLVED, Reason.RESOLVED_QUIETLY)


@dataclass(frozen=True)
class AlertMemory:
    """What was recorded about an alert after its last successful decision.

    ``stage`` is the stage last *told*; ``notified`` whether anything was ever told;
    ``told_on`` the as-of day it was last told (None for alerts told before it was kept).
    """

    state: AlertState
    stage: str
    last_notified_at: datetime | None
    notified: bool = True
    last_as_of: date | None = None
    told_on: date | None = None


@dataclass(frozen=True)
class AlertPolicy:
    repeat_every: timedelta = timedelta(days=7)


def decide(
    memory: AlertMemory | None,
    finding: Finding | None,
    now: datetime,
    policy: AlertPolicy,
    *,
    as_of: date | None = None,
    workday: bool = True,
    muted_until: datetime | None = None,
) -> Reason:
    """The named reason to notify, or not, about one alert key in one run.

    ``muted_until`` is when the silences that match the alert stop muting it
    (:func:`domain.silences.muted_until`, judged at :func:`judging_moment`); ``None`` if none do.
    """
    if memory is not None and as_of and memory.last_as_of and as_of < memory.last_as_of:
        return Reason.REPLAY
    if finding is None:
        if memory is None or memory.state is AlertState.RESOLVED:
            return Reason.STILL_RESOLVED
        if not memory.notified:
            return Reason.RESOLVED_QUIETLY
        return Reason.RESOLVED if workday else Reason.NOT_WORKDAY
    # The judging moment is worked out only when asked for: most of a province's 60,000 alerts
    # are neither silenced nor due again by the clock.
    if muted_until is not None and judging_moment(now, as_of) < muted_until:
        return Reason.SILENCED
    if not workday:
        return Reason.NOT_WORKDAY
    if memory is None or memory.state is AlertState.RESOLVED or not memory.notified:
        return Reason.FIRST
    if stage_rank(finding.stage) > stage_rank(memory.stage):
        return Reason.NEW_STAGE
    if memory.state is AlertState.ACKNOWLEDGED:
        return Reason.ACKNOWLEDGED
    if not finding.repeat:
        return Reason.UNCHANGED
    return Reason.REPEAT if _repeat_due(memory, now, as_of, policy) else Reason.UNCHANGED


def judging_moment(now: datetime, as_of: date | None) -> datetime:
    """When a run judges silences: ``now`` on today's run, 9:00 Beijing on a replayed day."""
    if as_of is None or now.astimezone(OFFICE_TZ).date() == as_of:
        return now
    return office_morning(as_of)


def _repeat_due(memory: AlertMemory, now: datetime, as_of: date | None, policy: AlertPolicy) -> bool:
    # In as-of days when the day last told is known: a replayed day is neither held back nor
    # hurried by the real time of the last message.
    if as_of is not None and memory.told_on is not None:
        return as_of - memory.told_on >= policy.repeat_every
    if memory.last_notified_at is None:
        return True
    return judging_moment(now, as_of) - memory.last_notified_at >= policy.repeat_every
