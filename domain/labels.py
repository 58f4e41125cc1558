"""Every Chinese word a user sees for a stored value: one table, looked up by :func:`label`.

Values stay short ASCII words in the database and in JSON; what the CLI, the web page and the
messages show for them is here, so one state never reads two ways.
"""

from __future__ import annotations

from enum import StrEnum

from domain.enums import (
    AlertState,
    Binding,
    Cadence,
    Comparator,
    DeliveryStatus,
    FindingKind,
    ItemStatus,
    Origin,
    PeriodKind,
    Recurrence,
    RunStatus,
    Severity,
    SubmissionState,
    Verdict,
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
    Comparator.GT: "高于",
    Comparator.LT: "低于",
    Comparator.EQ: "达到",
    Comparator.APPROX: "约为",
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
    FindingKind.DATA_MISMATCH: "数据口径不一致",
    FindingKind.NOT_REPORTED: "数据未报送",
    FindingKind.TARGET_MET: "已达标",
    FindingKind.ON_PACE: "符合序时进度",
    FindingKind.NOT_YET_DUE: "尚未到期",
    FindingKind.RESOLVED: "已解决",
}
WINDOW_STAGES = {WINDOW_OPEN: "填报开放", WINDOW_CLOSING: "即将截止", WINDOW_MISSED: "已过填报期"}


def label(value: StrEnum) -> str:
    """The Chinese word for ``value``; a value without one is a programming error (KeyError)."""
    by_enum = BY_ENUM.get(type(value))
    return by_enum[value.value] if by_enum is not None else LABELS[value]


# --- States, statuses, roles and channel kinds ---------------------------------------------------
# These values repeat across enums ("open" is an item's state and an alert's), and a StrEnum member
# is equal to its value, so one flat dict would mix them up: each enum has its own row, which
# :func:`label` reads first. Roles and channel kinds are plain strings (the store's UserRole; the
# channel registry's kinds), looked up by name.

BY_ENUM: dict[type[StrEnum], dict[str, str]] = {
    # 静默中 is the state; the action that sets it confirms with 已静默至 <date>.
    AlertState: {"open": "待处理", "acknowledged": "已确认", "silenced": "静默中", "resolved": "已解决"},
    SubmissionState: {"pending": "待审核", "approved": "已通过", "returned": "已退回"},
    RunStatus: {"running": "进行中", "succeeded": "完成", "failed": "失败"},
    DeliveryStatus: {"pending": "待发送", "sent": "已发送", "dead": "发送失败"},
    Origin: {"collected": "自动采集", "manual": "手工录入", "imported": "导入"},
    # A target's verdict and an indicator's reporting cadence share words with the finding kinds.
    Verdict: {
        "met": "已达标",
        "on_pace": "符合序时进度",
        "behind_pace": "落后序时进度",
        "not_met": "未达标",
        "not_reported": "数据未报送",
        "not_yet_due": "尚未到期",
    },
    Cadence: {"monthly": "每月", "quarterly": "每季度", "yearly": "每年", "once": "一次性"},
    Recurrence: {"monthly": "每月", "quarterly": "每季度", "half_yearly": "每半年", "yearly": "每年"},
    # A stage's step said alone; "overdue" is also a finding kind (整改逾期), hence a row of its own.
    Step: {
        "due": "到期",
        "overdue": "逾期",
        "escalated": "逾期·已上报",
        "missed": "未完成",
        "unreported": "未报送",
        "stale": "久未更新",
        "failed": "失败",
    },
}

# The service's jobs and the counts a run records (``duban status``, the web page's run list).
JOB_LABELS: dict[str, str] = {
    "refresh": "立即刷新",
    "collect-monthly": "月度采集",
    "daily": "每日评估提醒",
    "summary-weekly": "领导小组周报",
    "summary-monthly": "领导小组月报",
    "collect": "采集",
    "evaluate": "评估",
    "deliver": "发送",
}
COUNT_LABELS: dict[str, str] = {
    "figures": "采集数据",
    "failures": "采集失败",
    "skipped": "跳过评估",
    "findings": "需关注",
    "queued": "生成消息",
    "sent": "已发送",
    "errors": "发送出错",
    "sources": "数据源",
    "notified": "本次提醒",
    "resolved": "已解决",
    "retrying": "待重试",
    "dead": "发送失败",
    "admin_alerts": "管理员告警",
    "filings": "填报状态",
}

# A web user's role across projects (admin, province, member) and on one project (the others).
ROLES = {
    "admin": "管理员",
    "province": "全省只读",
    "member": "按项目授权",
    "coordinator": "协调人",
    "staff": "工作人员",
    "read_only": "只读",
}

CHANNEL_KINDS = {"wecom_robot": "群机器人", "wecom_app": "企业微信应用", "email": "邮件"}


def labels_of(enum: type[StrEnum]) -> dict[str, str]:
    """Every value of ``enum`` with its word, for a template that looks values up by their text."""
    return {member.value: label(member) for member in enum}


def role_label(role: str) -> str:
    """A web user's role in words; an unknown role reads as itself."""
    return ROLES.get(role, role)


def channel_kind_label(kind: str) -> str:
    """A channel kind in words; a registered kind without an entry here reads as its name."""
    return CHANNEL_KINDS.get(kind, kind)


def stage_label(stage: str, workdays_left: int | None) -> str:
    """A stage in words: 还剩5个工作日, 逾期·已上报, 3月, 2023-10报告 …; an unknown one as it is."""
    parsed = parse_stage(stage)
    step, arg = parsed.step, parsed.arg
    if arg is not None:
        if step is Step.REMIND:  # remind-3: 3 working days were left when it was told
            return f"还剩{arg if workdays_left is None else workdays_left}个工作日"
        if step is Step.MONTH:  # month-05 in a year, month-2023-10 over a plan period
            return f"{int(arg)}月" if len(arg) == 2 else arg
        if step is Step.CHECKIN:
            return f"{arg}报告"
        if step is Step.MISSING:
            return f"缺{arg}"
        if step is Step.FOUND:
            return arg
        return WINDOW_STAGES.get(stage, stage)
    return BY_ENUM[Step].get(step, stage) if step is not None else stage


# --- Words only the messages use (notifiers/) ------------------------------------------------------
# Kept apart from the tables above, which the CLI and the web page share.

MESSAGE_LABELS = {
    # A deadline on a weekend or holiday: the working day before it is the last chance, not "today".
    "due_before_rest_day": "到期前最后一个工作日",
    "due_today_or_rest_day": "今日到期或到期前最后一个工作日",
}


def message_label(name: str) -> str:
    """A phrase of the messages by its name; an unknown name is a programming error (KeyError)."""
    return MESSAGE_LABELS[name]


REMINDER_STEPS = {Step.DUE: "到期提醒", Step.OVERDUE: "逾期提醒", Step.ESCALATED: "逾期上报"}


def reminder_label(stage: str) -> str:
    """What an earlier message was, for the leaders' list of reminders: 还剩3个工作日, 逾期提醒 …"""
    parsed = parse_stage(stage)
    if parsed.step is Step.REMIND and parsed.arg is not None:
        return f"还剩{parsed.arg}个工作日"
    word = REMINDER_STEPS.get(parsed.step) if parsed.step is not None else None
    return word or stage_label(stage, None)
