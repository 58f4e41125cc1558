"""Every Chinese word a user sees for a stored value: one table, looked up by :func:`label`.

Values stay short ASCII words in the database and in JSON; what the CLI, the web page and the
messages show for them is here, so one state never reads two ways.
"""

from __future__ import annotations

from enum import StrEnum

from domain.enums import (
    Binding,
    Comparator,
    FindingKind,
    ItemStatus,
    PeriodKind,
    Severity,
)
from domain.keys import WINDOW_CLOSING, WINDOW_MISSED, WINDOW_OPEN, Step, parse_stage

LABELS: dict[StrEnum, str] = {
    Binding.BINDING: "约束性",
    Binding.EXPECTED: "期望性",
    ItemStatus.OPEN: "未销号",
    ItemStatus.CLOSED: "已销号",
    Comparator.GE: "不少于",
    Comparator.LE: "不超过",
    Comparator.BETWEEN: "介于",
    PeriodKind.PER_YEAR: "每年",
    PeriodKind.CUMULATIVE: "累计",
    PeriodKind.ONCE: "到期完成",
    PeriodKind.PER_YEAR_PER_TOWN: "每年每镇",
    Severity.CRITICAL: "紧急",
    Severity.WARNING: "提醒",
    Severity.INFO: "提示",
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
    FindingKind.RESOLVED: "已解决",
}
# Stages apart: their words equal some kinds' ("overdue"), and StrEnums with one value are one key.
STAGE_LABELS = {
    Step.DUE: "到期",
    Step.OVERDUE: "逾期",
    Step.ESCALATED: "逾期·已上报",
    Step.MISSED: "未完成",
    Step.STALE: "久未更新",
    Step.FAILED: "失败",
}
WINDOW_STAGES = {WINDOW_OPEN: "填报开放", WINDOW_CLOSING: "即将截止", WINDOW_MISSED: "已过填报期"}


def label(value: StrEnum) -> str:
    """The Chinese word for ``value``; a value without one is a programming error (KeyError)."""
    return LABELS[value]


def stage_label(stage: str, workdays_left: int | None) -> str:
    """A stage in words: 还剩5个工作日, 逾期·已上报, 3月, 2023-10报告 …; an unknown one as it is."""
    parsed = parse_stage(stage)
    step, arg = parsed.step, parsed.arg
    if arg is not None:
        if step is Step.REMIND:
            return f"还剩{workdays_left}个工作日"
        if step is Step.MONTH:  # month-05 in a year, month-2023-10 over a plan period
            return f"{int(arg)}月" if len(arg) == 2 else arg
        if step is Step.CHECKIN:
            return f"{arg}报告"
        if step is Step.MISSING:
            return f"缺{arg}"
        if step is Step.FOUND:
            return arg
        return WINDOW_STAGES.get(stage, stage)
    return STAGE_LABELS[step] if step is not None and step in STAGE_LABELS else stage
