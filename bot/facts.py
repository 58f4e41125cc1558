"""Plain, immutable views of the plan and its figures: what the evaluation reads.

The jobs build these from the database; tests and benchmarks build them directly. Keeping the
evaluation on these (rather than on ORM rows) keeps it pure and fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from db.enums import Binding, Comparator, IndicatorKind, ItemStatus, PeriodKind


@dataclass(frozen=True)
class MonthValue:
    month: str  # YYYY-MM
    value: float
    cumulative: bool  # year-to-date rather than the month alone


@dataclass(frozen=True)
class IndicatorFacts:
    project: str
    code: str
    name: str
    kind: IndicatorKind
    binding: Binding
    unit: str | None
    comparator: Comparator
    target: float | None
    target_high: float | None
    period: PeriodKind
    due: date | None = None
    done: bool = False
    persons: tuple[str, ...] = ()
    responsible_unit: str | None = None
    year_targets: dict[int, float] = field(default_factory=dict)
    values: tuple[MonthValue, ...] = ()  # latest revision per month, in month order
    sources: tuple[str, ...] = ()  # where the values came from, for the message


@dataclass(frozen=True)
class ItemFacts:
    project: str
    batch: str
    number: str
    problem: str
    persons: tuple[str, ...]
    units: tuple[str, ...]
    deadline: date | None
    deadline_text: str | None
    ongoing: bool
    status: ItemStatus


@dataclass(frozen=True)
class ProjectFacts:
    code: str
    name: str
    plan_start: date | None
    plan_end: date | None
    indicators: tuple[IndicatorFacts, ...] = ()
    items: tuple[ItemFacts, ...] = ()
    failed_sources: tuple[tuple[str, str], ...] = ()  # (source code, error) of the latest attempt
