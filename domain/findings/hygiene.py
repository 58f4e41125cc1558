"""Findings about the figures themselves and their sources: missing, odd, stale, failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.enums import Cadence, FindingKind
from domain.findings.base import Finding


@dataclass(frozen=True, kw_only=True)
class MissingFigure(Finding):
    kind: ClassVar[FindingKind] = FindingKind.MISSING_FIGURE
    months: tuple[str, ...]  # periods without a figure, oldest first: 2023-08, 2023年第3季度, 2023年
    source: str | None  # the source the plan expects the figure from
    after_day: int  # last month's figure is due by this day of the month
    cadence: Cadence = Cadence.MONTHLY  # how often the figure is reported


@dataclass(frozen=True, kw_only=True)
class NegativeValue(Finding):
    kind: ClassVar[FindingKind] = FindingKind.NEGATIVE_VALUE
    months: tuple[str, ...]
    unit: str


@dataclass(frozen=True)
class Jump:
    """One month against the month before it."""

    month: str
    before: float
    amount: float
    ratio: float


@dataclass(frozen=True, kw_only=True)
class ImplausibleJump(Finding):
    kind: ClassVar[FindingKind] = FindingKind.IMPLAUSIBLE_JUMP
    jumps: tuple[Jump, ...]  # oldest first; the sentence tells the latest
    unit: str
    factor: float


@dataclass(frozen=True)
class SourceFigure:
    """One source's figure for the month, as the evaluators compare it."""

    source: str  # the source's name, or 手工录入 / 导入
    value: float
    recorded_on: date  # Beijing time
    manual: bool  # entered by hand (录入) rather than collected (采集)
    evidence_id: int | None
    evidence_name: str | None


@dataclass(frozen=True, kw_only=True)
class DataMismatch(Finding):
    kind: ClassVar[FindingKind] = FindingKind.DATA_MISMATCH
    month: str
    first: SourceFigure
    second: SourceFigure
    difference: float  # in the indicator's unit
    percent: float  # the difference as a percentage of the larger figure
    allowed: str  # the plan's agree_within as stored: 5% or an amount
    unit: str


@dataclass(frozen=True, kw_only=True)
class CollectionFailed(Finding):
    kind: ClassVar[FindingKind] = FindingKind.COLLECTION_FAILED
    error: str
    page_kept: bool  # the page that showed the problem was kept as evidence


@dataclass(frozen=True, kw_only=True)
class StaleSource(Finding):
    kind: ClassVar[FindingKind] = FindingKind.STALE_SOURCE
    last_ok: date | None
    days: int
