"""Enumerations stored in status and kind columns.

Values are short ASCII words so that they read well in SQL and in JSON; the Chinese labels the
users see are in :mod:`domain.labels`. Channel and source kinds are not enums: they are the names
in the channel and collector registries, handed to plan validation as :class:`KnownKinds`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar


class Word(StrEnum):
    """A stored word. Pickled as a plain lookup of its value: a national run's facts (kept between
    runs) and findings (sent back from the worker) hold hundreds of thousands of these, and the
    enum's own pickling calls the class for each one, several times slower."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return member, (type(self), self._value_)


W = TypeVar("W", bound=Word)


def member(kind: type[W], value: str) -> W:
    """The member of ``kind`` whose value is ``value`` (how :class:`Word` members unpickle)."""
    return kind._value2member_map_[value]  # type: ignore[return-value]


class IndicatorKind(Word):
    NUMERIC = "numeric"  # an amount against a target (网络零售额 ≥ 3000 万元/年)
    RATIO = "ratio"  # a share against a floor (≥ 60 % of new entities doing e-commerce)
    GROWTH = "growth"  # a year-over-year rate (同比 ≥ 10 %)
    DELIVERABLE = "deliverable"  # done or not by a date (制定资金奖励办法)


class Comparator(Word):
    GE = "ge"  # ≥ 不少于
    GT = "gt"  # > 高于、超过
    LE = "le"  # ≤ 不超过
    LT = "lt"  # < 低于
    EQ = "eq"  # = 达到、全部（100 %）
    BETWEEN = "between"  # low ≤ x ≤ high
    APPROX = "approx"  # 约: within a tolerance (in % of the target)


class Cadence(Word):
    """How often an indicator's figure is reported; the months in between are not "missing"."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONCE = "once"  # entered once (a count, an area): never asked for again


class Recurrence(Word):
    """How often a recurring deliverable falls due (每月报送, 季度督查, 半年通报)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}[self.value]


class Verdict(Word):
    """Where a target stands at an evaluation: every target has exactly one."""

    MET = "met"
    ON_PACE = "on_pace"
    BEHIND_PACE = "behind_pace"
    NOT_MET = "not_met"  # after its due date
    NOT_REPORTED = "not_reported"  # judged, but no figure to judge by
    NOT_YET_DUE = "not_yet_due"


class PeriodKind(Word):
    PER_YEAR = "per_year"
    CUMULATIVE = "cumulative"  # over the whole plan period
    ONCE = "once"  # reached once, by a due date
    PER_YEAR_PER_TOWN = "per_year_per_town"


class Binding(Word):
    BINDING = "binding"  # 约束性
    EXPECTED = "expected"  # 期望性


class Origin(Word):
    COLLECTED = "collected"
    MANUAL = "manual"
    IMPORTED = "imported"


class ItemStatus(Word):
    OPEN = "open"
    CLOSED = "closed"  # 销号


class SubmissionState(Word):
    """A responsible person's 整改结果, sent through a reply link, as the coordinator judged it."""

    PENDING = "pending"  # 待审核
    APPROVED = "approved"  # 已通过: the item was closed (销号) with it
    RETURNED = "returned"  # 已退回, with the coordinator's reason


class AlertState(Word):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    # Not stored since revision 0021: a silence (the ``silence`` table) mutes an alert without
    # changing its state. Kept as what lists show for an alert a silence mutes (静默中).
    SILENCED = "silenced"
    RESOLVED = "resolved"


class DeliveryStatus(Word):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # permanent failure: an administrator must look


class RunStatus(Word):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Severity(Word):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]  # a member hashes as its value: no dict built per call


_SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}  # sorting 80,000 findings asks each


class FindingKind(Word):
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
    DATA_MISMATCH = "data_mismatch"  # two sources disagree on a month beyond agree_within
    NOT_REPORTED = "not_reported"  # a target judged without a figure: 数据未报送
    TARGET_MET = "target_met"  # quiet verdicts: shown, never alerted
    ON_PACE = "on_pace"
    NOT_YET_DUE = "not_yet_due"
    RESOLVED = "resolved"  # the note that an alert cleared


class WorkStatus(Word):
    """A collection work item's state, when several instances share a round (jobs/collect_spread)."""

    PENDING = "pending"  # nobody has taken it yet
    CLAIMED = "claimed"  # an instance is collecting it (alive while it holds the item's lock)
    DONE = "done"  # stored, failed, or given up at the round's deadline
