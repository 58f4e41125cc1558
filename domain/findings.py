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
    CHECK_IN = "check_in"
    BEHIND_PACE = "behind_pace"
    TARGET_MISSED = "target_missed"
    TARGET_DUE = "target_due"
    RATIO_BELOW = "ratio_below"
    GROWTH_BELOW = "growth_below"
    DELIVERABLE_DUE = "deliverable_due"
    DELIVERABLE_OVERDUE = "deliverable_overdue"
    NO_EVIDENCE = "no_evidence"
    REPORT_WINDOW = "report_window"
    MISSING_FIGURE = "missing_figure"
    STALE_SOURCE = "stale_source"
    COLLECTION_FAILED = "collection_failed"
    IMPLAUSIBLE_JUMP = "implausible_jump"
    NEGATIVE_VALUE = "negative_value"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    FindingKind.DEADLINE_APPROACHING: "整改时限临近",
    FindingKind.DEADLINE_TODAY: "今日到期",
    FindingKind.OVERDUE: "整改逾期",
    FindingKind.CHECK_IN: "长期坚持事项定期报告",
    FindingKind.BEHIND_PACE: "进度滞后",
    FindingKind.TARGET_MISSED: "目标未完成",
    FindingKind.TARGET_DUE: "目标临近时限",
    FindingKind.RATIO_BELOW: "比例未达标",
    FindingKind.GROWTH_BELOW: "增速未达标",
    FindingKind.DELIVERABLE_DUE: "建设任务临近时限",
    FindingKind.DELIVERABLE_OVERDUE: "建设任务逾期",
    FindingKind.NO_EVIDENCE: "缺少佐证材料",
    FindingKind.REPORT_WINDOW: "月报填报提醒",
    FindingKind.MISSING_FIGURE: "数据缺报",
    FindingKind.STALE_SOURCE: "数据源久未更新",
    FindingKind.COLLECTION_FAILED: "数据采集失败",
    FindingKind.IMPLAUSIBLE_JUMP: "数据异常波动",
    FindingKind.NEGATIVE_VALUE: "数据为负数",
}

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
