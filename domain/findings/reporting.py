"""Findings about a reporting system's monthly window (商务部农村电商信息系统月报)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.enums import FindingKind
from domain.findings.base import Finding
from domain.keys import WINDOW_CLOSING, WINDOW_MISSED


@dataclass(frozen=True, kw_only=True)
class ReportWindow(Finding):
    """A month's report not yet filed: the window is open, closing, or past."""

    kind: ClassVar[FindingKind] = FindingKind.REPORT_WINDOW
    month: str  # YYYY-MM reported on
    source: str  # the system's name
    checked: bool  # the system was seen to say 未填报 (not merely unchecked)
    window: tuple[int, int]  # the days of the month the window is open

    @property
    def closing(self) -> bool:
        return self.stage == WINDOW_CLOSING

    @property
    def missed(self) -> bool:
        return self.stage == WINDOW_MISSED
