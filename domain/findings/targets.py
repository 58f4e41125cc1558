"""Findings about numeric targets: behind the pace, missed, or a "once" target near its date.

A yearly target and a target over the plan period say different things and carry different
figures, so each is its own class; they share the stored kind (``behind_pace``, ``target_missed``).
``scope`` is kept as a field because the ``--json`` detail has always named it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from domain.enums import Binding, Comparator, FindingKind, Verdict
from domain.findings.base import Finding


@dataclass(frozen=True, kw_only=True)
class YearTarget(Finding):
    """Where a yearly target (of the county or one town) stands: what its two kinds both say."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    year: int
    month: int  # the last month reported
    amount: float
    target: float
    town: str | None
    completion: float | None  # percent of the target
    scope: Literal["year"] = "year"


@dataclass(frozen=True, kw_only=True)
class TargetMissed(YearTarget):
    """A yearly target missed once the year's figures are in."""

    kind: ClassVar[FindingKind] = FindingKind.TARGET_MISSED

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET


@dataclass(frozen=True, kw_only=True)
class BehindPace(YearTarget):
    """A yearly target behind the pace (序时进度) its plan sets for the months so far."""

    kind: ClassVar[FindingKind] = FindingKind.BEHIND_PACE

    @property
    def verdict(self) -> Verdict:
        return Verdict.BEHIND_PACE

    required: float  # the amount the pace asks for by now
    gap: float
    gap_points: float  # the gap in percentage points of the target
    pace_method: str  # the pace rule in words
    forecast: float | None  # the year-end amount at this rate
    forecast_method: str
    forecast_short: bool
    forecast_months: int  # the months reported that the forecast rests on


@dataclass(frozen=True, kw_only=True)
class PlanTarget(Finding):
    """Where a target over the whole plan period stands: what its two kinds both say."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    amount: float
    target: float
    month: str  # YYYY-MM, the last month reported
    scope: Literal["plan"] = "plan"
    completion: float | None


@dataclass(frozen=True, kw_only=True)
class PlanTargetMissed(PlanTarget):
    """A target over the whole plan period, missed when the plan ended."""

    kind: ClassVar[FindingKind] = FindingKind.TARGET_MISSED

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET


@dataclass(frozen=True, kw_only=True)
class PlanBehindPace(PlanTarget):
    """A target over the plan period, behind a linear pace over the plan's months."""

    kind: ClassVar[FindingKind] = FindingKind.BEHIND_PACE
    required: float
    gap: float
    gap_points: float
    pace_method: str
    forecast: float
    forecast_method: str
    forecast_short: bool
    forecast_months: int

    @property
    def verdict(self) -> Verdict:
        return Verdict.BEHIND_PACE


@dataclass(frozen=True, kw_only=True)
class OnceTarget(Finding):
    """A level to reach once by a date (建筑面积 ≥ 100 平方米 by 2023-12-31), not reached yet."""

    past_due: ClassVar[bool]
    unit: str
    binding: Binding
    sources: tuple[str, ...]
    amount: float | None  # the latest level reported, if any
    target: float
    high: float | None  # the upper bound of a "between" requirement
    requirement: str  # as the plan words it: 不少于 5 家, 高于 30%, 在 1–3 个
    scope: Literal["once"] = "once"
    month: str | None
    comparator: Comparator

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET if self.past_due else Verdict.NOT_YET_DUE


@dataclass(frozen=True, kw_only=True)
class TargetDue(OnceTarget):
    kind: ClassVar[FindingKind] = FindingKind.TARGET_DUE
    past_due: ClassVar[bool] = False


@dataclass(frozen=True, kw_only=True)
class OnceTargetMissed(OnceTarget):
    kind: ClassVar[FindingKind] = FindingKind.TARGET_MISSED
    past_due: ClassVar[bool] = True
