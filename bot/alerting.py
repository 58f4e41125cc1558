"""Should we notify? A pure decision from the alert's memory, today's finding and the clock.

An alert is keyed by its finding's key. It is notified when it first appears, when it reaches a
new stage (3 working days left → 1 → due → overdue), and again after ``repeat_every`` while it
stays at the same stage; never more often. When its finding disappears it is resolved once. An
acknowledged or silenced alert is not notified until its silence ends or its stage changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.findings import Finding
from db.enums import AlertState


class Reason(StrEnum):
    FIRST = "first notification"
    NEW_STAGE = "new stage"
    REPEAT = "repeat interval elapsed"
    RESOLVED = "resolved"
    UNCHANGED = "do not notify: already told"
    SILENCED = "do not notify: silenced"
    STILL_RESOLVED = "do not notify: nothing open"

    @property
    def notifies(self) -> bool:
        return self in (Reason.FIRST, Reason.NEW_STAGE, Reason.REPEAT, Reason.RESOLVED)


@dataclass(frozen=True)
class AlertMemory:
    """What was recorded about an alert after its last successful decision."""

    state: AlertState
    stage: str
    last_notified_at: datetime | None
    silenced_until: datetime | None = None


@dataclass(frozen=True)
class AlertPolicy:
    repeat_every: timedelta = timedelta(days=7)


def decide(memory: AlertMemory | None, finding: Finding | None, now: datetime, policy: AlertPolicy) -> Reason:
    if finding is None:
        if memory is None or memory.state is AlertState.RESOLVED:
            return Reason.STILL_RESOLVED
        return Reason.RESOLVED
    if memory is None or memory.state is AlertState.RESOLVED:
        return Reason.FIRST
    if finding.stage != memory.stage:
        return Reason.NEW_STAGE
    if memory.state is AlertState.SILENCED and memory.silenced_until and now < memory.silenced_until:
        return Reason.SILENCED
    if memory.state is AlertState.ACKNOWLEDGED:
        return Reason.SILENCED
    if memory.last_notified_at is None or now - memory.last_notified_at >= policy.repeat_every:
        return Reason.REPEAT
    return Reason.UNCHANGED
