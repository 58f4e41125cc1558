"""Enumerations stored in status and kind columns.

Values are short ASCII words so that they read well in SQL and in JSON; the Chinese labels the
users see live next to them in ``LABELS``.
"""

from enum import StrEnum


class IndicatorKind(StrEnum):
    NUMERIC = "numeric"  # an amount against a target (网络零售额 ≥ 3000 万元/年)
    RATIO = "ratio"  # a share against a floor (≥ 60 % of new entities doing e-commerce)
    GROWTH = "growth"  # a year-over-year rate (同比 ≥ 10 %)
    DELIVERABLE = "deliverable"  # done or not by a date (制定资金奖励办法)


class Comparator(StrEnum):
    GE = "ge"
    LE = "le"
    BETWEEN = "between"


class PeriodKind(StrEnum):
    PER_YEAR = "per_year"
    CUMULATIVE = "cumulative"  # over the whole plan period
    ONCE = "once"  # reached once, by a due date
    PER_YEAR_PER_TOWN = "per_year_per_town"


class Binding(StrEnum):
    BINDING = "binding"  # 约束性
    EXPECTED = "expected"  # 期望性


class Origin(StrEnum):
    COLLECTED = "collected"
    MANUAL = "manual"
    IMPORTED = "imported"


class ItemStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # 销号


class ChannelKind(StrEnum):
    WECOM_ROBOT = "wecom_robot"
    WECOM_APP = "wecom_app"
    EMAIL = "email"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SILENCED = "silenced"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # permanent failure: an administrator must look


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


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
}
