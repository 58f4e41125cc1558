"""The leaders' summary (weekly or monthly): key figures against target and pace, and the items.

Pure: a project's facts and the as-of date in, a :class:`Summary` out. The templates
``summary.*.j2`` say it in a few lines; :mod:`notifiers.chart` draws the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import Comparator, IndicatorKind, ItemStatus, PeriodKind
from domain.evaluation.targets import year_progress
from domain.facts import ItemFacts, ProjectFacts
from notifiers.chart import Bar

PERIODS = {"week": "周报", "month": "月报"}


@dataclass(frozen=True)
class Figure:
    code: str
    name: str
    unit: str
    amount: float
    target: float
    month: int
    year: int
    completion: float  # % of target
    pace: float  # % required by the end of ``month``
    binding: str

    @property
    def behind(self) -> bool:
        return self.completion < self.pace


@dataclass(frozen=True)
class DueItem:
    label: str
    due: date
    persons: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    project_name: str
    period: str  # week | month
    period_label: str  # 2023年第41周 / 2023年10月
    as_of: date
    figures: tuple[Figure, ...]
    items_total: int
    items_closed: int
    overdue: tuple[DueItem, ...]
    due_soon: tuple[DueItem, ...]
    acceptance: tuple[str, ...] = ()  # the self-check's outcome and grade (monthly), in words

    @property
    def kind_label(self) -> str:
        return PERIODS[self.period]

    @property
    def behind(self) -> int:
        return sum(1 for f in self.figures if f.behind)

    def bars(self) -> list[Bar]:
        return [Bar(f.code, f.name, f.completion, f.pace) for f in self.figures]


def build_summary(project: ProjectFacts, as_of: date, period: str, *, soon_days: int = 14) -> Summary:
    """Figures up to the last full month reported before ``as_of``; items as of ``as_of``."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}")
    figures = []
    for indicator in project.indicators:
        if indicator.kind is not IndicatorKind.NUMERIC or indicator.period is not PeriodKind.PER_YEAR:
            continue
        if indicator.comparator is not Comparator.GE:
            continue
        progress = year_progress(indicator, as_of)
        if progress is None:
            continue
        figures.append(
            Figure(
                indicator.code,
                indicator.name,
                indicator.unit or "",
                progress.amount,
                progress.target,
                progress.month,
                progress.year,
                progress.completion,
                progress.pace,
                indicator.binding.value,
            )
        )
    items = list(project.items)
    open_items = [(i, i.deadline) for i in items if i.status is ItemStatus.OPEN and i.deadline is not None]

    def due_item(item: ItemFacts, due: date) -> DueItem:
        label = f"{item.batch}问题{item.number}" if item.batch else f"问题{item.number}"
        return DueItem(label, due, item.persons)

    overdue = [due_item(i, due) for i, due in open_items if due < as_of and not i.ongoing]
    soon = [due_item(i, due) for i, due in open_items if 0 <= (due - as_of).days <= soon_days]
    iso = as_of.isocalendar()
    label = f"{iso.year}年第{iso.week}周" if period == "week" else f"{as_of.year}年{as_of.month}月"
    return Summary(
        project.name,
        period,
        label,
        as_of,
        tuple(figures),
        len(items),
        sum(1 for i in items if i.status is ItemStatus.CLOSED),
        tuple(sorted(overdue, key=lambda d: d.due)),
        tuple(sorted(soon, key=lambda d: d.due)),
    )
