"""Plain, immutable views of the plan and its figures: what the evaluation reads.

The jobs build these from the database; tests and benchmarks build them directly. Keeping the
evaluation on these (rather than on ORM rows) keeps it pure and fast. ``slots`` matters: a
national run holds millions of :class:`MonthValue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from db.enums import Binding, Comparator, IndicatorKind, ItemStatus, PeriodKind


@dataclass(frozen=True, slots=True)
class MonthValue:
    month: str  # YYYY-MM
    value: float
    cumulative: bool  # year-to-date rather than the month alone


@dataclass(frozen=True)
class IndicatorFacts:
    """One indicator of a plan with its latest figures.

    ``pace`` is the plan's monthly curve: the share of the year's target (in %) due by the end of
    each month, twelve non-decreasing numbers ending at 100; empty means linear. ``base`` names
    the indicator a growth rate is computed from; ``reference`` the indicator holding the figure
    it must beat (the city's average growth rate, collected or entered).
    """

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
    done_on: date | None = None
    done_evidence: str | None = None  # sha256 of the proof, if any
    persons: tuple[str, ...] = ()
    responsible_unit: str | None = None
    year_targets: dict[int, float] = field(default_factory=dict)
    town_targets: dict[tuple[int | None, str], float] = field(default_factory=dict)
    values: tuple[MonthValue, ...] = ()  # latest revision per month, in month order
    town_values: dict[str, tuple[MonthValue, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # where the values came from, for the message
    source: str | None = None  # the source the plan expects the figure from
    pace: tuple[float, ...] = ()
    base: str | None = None
    reference: str | None = None

    def target_for(self, year: int) -> float | None:
        return self.year_targets.get(year, self.target)

    @property
    def tracked(self) -> bool:
        """Whether figures are expected every month (it has a source, or someone began reporting)."""
        return self.source is not None or bool(self.values) or bool(self.town_values)


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
    closed_on: date | None = None
    result: str | None = None

    @property
    def label(self) -> str:
        return f"{self.batch}问题{self.number}" if self.batch else f"问题{self.number}"

    @property
    def subject_key(self) -> str:
        return f"{self.project}/item/{self.batch or '-'}/{self.number}"


@dataclass(frozen=True)
class SourceFacts:
    """A data source and how its collection has gone (dates in Beijing time)."""

    code: str
    kind: str
    name: str | None = None
    last_ok: date | None = None
    first_attempt: date | None = None
    failed_error: str | None = None  # the error of the latest attempt, if it failed


@dataclass(frozen=True)
class AlertSettings:
    """Per-project overrides of the evaluation policy, from the plan's ``alerts`` block."""

    reminder_workdays: tuple[int, ...] | None = None
    escalate_after_workdays: int | None = None
    checkin_every_months: int | None = None


@dataclass(frozen=True)
class ProjectFacts:
    code: str
    name: str
    plan_start: date | None
    plan_end: date | None
    indicators: tuple[IndicatorFacts, ...] = ()
    items: tuple[ItemFacts, ...] = ()
    sources: tuple[SourceFacts, ...] = ()
    filings: dict[tuple[str, str], bool] = field(default_factory=dict)  # (source, YYYY-MM) → 已填报
    settings: AlertSettings = AlertSettings()
