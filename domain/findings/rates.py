"""Findings about rates in percent: a share below its floor, a growth rate below its requirement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from domain.enums import Binding, Comparator, FindingKind, Verdict
from domain.findings.base import JSON, Finding
from domain.keys import MISSED


@dataclass(frozen=True, kw_only=True)
class RatioShortfall(Finding):
    """A share below its floor: held each year (``year``), or by a date (``due``, no year)."""

    value: float | None  # the latest share reported, if any
    target: float
    month: str | None
    binding: Binding
    comparator: Comparator
    sources: tuple[str, ...]
    scope: Literal["ratio"] = "ratio"
    year: int | None = None

    def detail(self) -> dict[str, JSON]:
        detail = super().detail()
        if self.year is None:
            del detail["year"]  # a share held to a date has no year
        return detail


@dataclass(frozen=True, kw_only=True)
class RatioBelow(RatioShortfall):
    kind: ClassVar[FindingKind] = FindingKind.RATIO_BELOW

    @property
    def verdict(self) -> Verdict:
        # Held to a date: a reminder before it; held each year: below the floor so far.
        return Verdict.NOT_YET_DUE if self.year is None else Verdict.BEHIND_PACE


@dataclass(frozen=True, kw_only=True)
class RatioMissed(RatioShortfall):
    """The share was still below its floor in December, or when its date passed."""

    kind: ClassVar[FindingKind] = FindingKind.TARGET_MISSED

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET


@dataclass(frozen=True, kw_only=True)
class GrowthBelow(Finding):
    """A year-over-year growth rate below the requirement (a reference figure plus points)."""

    kind: ClassVar[FindingKind] = FindingKind.GROWTH_BELOW
    rate: float
    required: float
    target: float
    month: str
    year: int
    base: str | None  # "S36 网络零售额" when computed from another indicator's figures
    reference: str | None  # the indicator whose figure the requirement is above
    reference_value: float | None
    reference_month: str | None
    binding: Binding
    sources: tuple[str, ...]
    method: str | None = None  # 年均增长: the arithmetic over the years, in the message's words
    strict: bool = False  # 高于 (gt): the rate must be above the required one, not merely reach it

    @property
    def missed(self) -> bool:
        """The verdict on December's rate: the year is over and the requirement was not met."""
        return self.stage == MISSED

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_MET if self.missed else Verdict.BEHIND_PACE
