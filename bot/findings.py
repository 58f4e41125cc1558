"""What the evaluation finds: one :class:`Finding` per thing someone should be told."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"critical": 0, "warning": 1, "info": 2}[self.value]

    @property
    def label(self) -> str:
        return {"critical": "紧急", "warning": "提醒", "info": "提示"}[self.value]


class FindingKind(StrEnum):
    DEADLINE_APPROACHING = "deadline_approaching"
    DEADLINE_TODAY = "deadline_today"
    OVERDUE = "overdue"
    BEHIND_PACE = "behind_pace"
    TARGET_MISSED = "target_missed"
    DELIVERABLE_DUE = "deliverable_due"
    DELIVERABLE_OVERDUE = "deliverable_overdue"
    COLLECTION_FAILED = "collection_failed"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    FindingKind.DEADLINE_APPROACHING: "整改时限临近",
    FindingKind.DEADLINE_TODAY: "今日到期",
    FindingKind.OVERDUE: "整改逾期",
    FindingKind.BEHIND_PACE: "进度滞后",
    FindingKind.TARGET_MISSED: "目标未完成",
    FindingKind.DELIVERABLE_DUE: "建设任务临近时限",
    FindingKind.DELIVERABLE_OVERDUE: "建设任务逾期",
    FindingKind.COLLECTION_FAILED: "数据采集失败",
}


@dataclass(frozen=True)
class Finding:
    """A fact worth telling, with the alert ``key`` that makes it the same finding tomorrow.

    ``stage`` distinguishes steps of one alert (5, 3, 1 working days left; due; overdue): a new
    stage is worth a new message, the same stage is not.
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

    def sort_key(self) -> tuple[int, date, str]:
        return (self.severity.rank, self.due or date.max, self.key)
