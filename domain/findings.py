"""What the evaluation finds: one :class:`Finding` per thing someone should be told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.enums import FindingKind, Severity

# Stages that are named steps, in the order they come; other stages ("month-05", "checkin-2023-11",
# "window-1-open" …) order by their own text, after the deadline steps and before "missed" — the
# verdict that ends a target's monthly track (month-11 → missed on one key).
_STEP_ORDER = {"due": 1, "overdue": 2, "escalated": 3, "missed": 9}


def stage_rank(stage: str) -> tuple[int, int, str]:
    """Order stages so that an alert only moves forward: remind-5 < remind-3 < due < overdue …"""
    if stage.startswith("remind-") and stage[7:].isdigit():
        return (0, -int(stage[7:]), "")
    if stage in _STEP_ORDER:
        return (_STEP_ORDER[stage], 0, "")
    if not stage:
        return (-1, 0, "")
    return (5, 0, stage)


@dataclass(frozen=True)
class Finding:
    """A fact worth telling, with the alert ``key`` that makes it the same finding tomorrow.

    ``key`` is (subject, kind, period): the same question on another day has the same key.
    ``stage`` distinguishes steps of one alert (5, 3, 1 working days left; due; overdue;
    escalated): a later stage is worth a new message, the same stage is not. ``escalate`` sends
    it to the leadership group as well; ``repeat`` False means a stage is told once and never
    repeated (periodic check-ins have a new stage each period instead).
    """

    key: str
    project: str
    kind: FindingKind
    severity: Severity
    subject: str
    stage: str
    persons: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    due: date | None = None
    workdays_left: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    escalate: bool = False
    repeat: bool = True

    def sort_key(self) -> tuple[int, date, str]:
        return (self.severity.rank, self.due or date.max, self.key)
