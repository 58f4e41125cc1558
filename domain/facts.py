"""Plain, immutable views of the plan and its figures: what the evaluation reads.

The jobs build these from the database; tests and benchmarks build them directly. Keeping the
evaluation on these (rather than on ORM rows) keeps it pure and fast.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, overload

from domain.agreement import AgreeWithin
from domain.enums import Binding, Cadence, Comparator, IndicatorKind, ItemStatus, PeriodKind, Recurrence


class MonthValue(NamedTuple):
    """One month's figure."""

    month: str  # YYYY-MM
    value: float
    cumulative: bool  # year-to-date rather than the month alone


class Series(Sequence[MonthValue]):
    """One indicator's figures in month order, held by column.

    A national run holds millions of figures: columns cost two pointers a figure instead of an
    object, and let the rules sum, bisect and compare at C speed. It reads as a sequence of
    :class:`MonthValue` wherever that is clearer.
    """

    __slots__ = ("amounts", "cumulative", "months")

    def __init__(
        self, months: tuple[str, ...] = (), amounts: tuple[float, ...] = (), cumulative: tuple[bool, ...] = ()
    ) -> None:
        self.months, self.amounts, self.cumulative = months, amounts, cumulative

    @classmethod
    def of(cls, values: Iterable[MonthValue]) -> Series:
        ordered = sorted(values, key=lambda v: v.month)
        return cls(
            tuple(v.month for v in ordered),
            tuple(v.value for v in ordered),
            tuple(v.cumulative for v in ordered),
        )

    def __reduce__(self) -> tuple[type[Series], tuple[Any, ...]]:
        # The columns themselves: the default for a class with slots rebuilds the object
        # attribute by attribute, ten times slower, and a national run keeps 60,000 of these.
        return Series, (self.months, self.amounts, self.cumulative)

    def __len__(self) -> int:
        return len(self.months)

    @overload
    def __getitem__(self, index: int) -> MonthValue: ...
    @overload
    def __getitem__(self, index: slice) -> Series: ...
    def __getitem__(self, index: int | slice) -> MonthValue | Series:
        if isinstance(index, slice):
            return Series(self.months[index], self.amounts[index], self.cumulative[index])
        return MonthValue(self.months[index], self.amounts[index], self.cumulative[index])

    def __iter__(self) -> Iterator[MonthValue]:
        return map(MonthValue._make, zip(self.months, self.amounts, self.cumulative, strict=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Series) and (self.months, self.amounts, self.cumulative) == (
            other.months,
            other.amounts,
            other.cumulative,
        )

    def __hash__(self) -> int:
        return hash((self.months, self.amounts))

    def __repr__(self) -> str:
        return f"Series({list(self)!r})"

    def before(self, month: str) -> Series:
        """The figures of months earlier than ``month``."""
        cut = bisect_left(self.months, month)
        return self if cut == len(self.months) else self[:cut]

    def between(self, first: str, last: str) -> Series:
        return self[bisect_left(self.months, first) : bisect_right(self.months, last)]

    @property
    def any_cumulative(self) -> bool:
        return True in self.cumulative


class SourceReading(NamedTuple):
    """One source's latest figure for a month, for comparing sources (``agree_within``)."""

    month: str  # YYYY-MM
    source: str  # the source's code, or the origin of a figure without one (manual, imported)
    value: float
    cumulative: bool
    recorded_on: date  # Beijing time
    evidence_id: int | None = None
    evidence_name: str | None = None  # the evidence's file name or address, as `duban evidence` shows it


def _series(values: Series | Iterable[MonthValue]) -> Series:
    """Facts built in tests and benches may pass plain month values; the loader passes a Series."""
    return values if isinstance(values, Series) else Series.of(values)


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
    values: Series = field(default_factory=Series)  # latest revision per month, in month order
    town_values: dict[str, Series] = field(default_factory=dict)
    sources: tuple[str, ...] = ()  # where the values came from, for the message: sources by name
    source: str | None = None  # the source the plan expects the figure from
    pace: tuple[float, ...] = ()
    base: str | None = None
    reference: str | None = None
    cadence: Cadence = Cadence.MONTHLY  # how often a figure is reported (months between are not missing)
    tolerance: float | None = None  # "approx": allowed deviation in % of the target
    alternatives: tuple[str, ...] = ()  # indicators any one of which, met, meets this one (A 或 B)
    item: str | None = None  # the rectification item whose measures set this target
    # The indicator's own time (plan format 2): the window it is reckoned over (else the plan's),
    # a growth averaged over that window's years, a deliverable due again each period.
    window_start: date | None = None
    window_end: date | None = None
    average: bool = False
    recurs: Recurrence | None = None
    grace_days: int = 0
    figure: bool = False  # a reference or base figure only: no target, no verdict
    due_text: str | None = None  # a month-only due date as the plan wrote it: 2019年10月份前
    # How far two sources' figures for a month may differ, and each source's latest figure per
    # month (loaded only for indicators that set agree_within, in month then source order).
    agree_within: AgreeWithin | None = None
    readings: tuple[SourceReading, ...] = ()

    @property
    def due_words(self) -> str:
        """The due date as messages say it: the plan's own words, with the day they were read as."""
        if self.due is None:
            return ""
        day = f"{self.due.year}年{self.due.month}月{self.due.day}日"
        return f"{self.due_text}（按 {day}计）" if self.due_text else day

    def __post_init__(self) -> None:
        # Tests and hand-built facts may pass plain tuples of MonthValue; the rules read columns.
        if not isinstance(self.values, Series):
            object.__setattr__(self, "values", _series(self.values))
        if any(not isinstance(v, Series) for v in self.town_values.values()):
            object.__setattr__(self, "town_values", {t: _series(v) for t, v in self.town_values.items()})

    def start(self, plan_start: date | None) -> date | None:
        """When this target's period begins: its own window's start, else the plan's."""
        return self.window_start or plan_start

    def end(self, plan_end: date | None) -> date | None:
        """When this target's period ends: its own window's end, else the plan's."""
        return self.window_end or plan_end

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


@dataclass(frozen=True)
class SourceFacts:
    """A data source and how its collection has gone (dates in Beijing time)."""

    code: str
    kind: str
    name: str | None = None
    last_ok: date | None = None
    first_attempt: date | None = None
    failed_error: str | None = None  # the error of the latest attempt, if it failed
    failed_page_kept: bool = False  # whether that attempt kept the page that showed the problem


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
    rectification_issued: date | None = None  # no item reminder before the plan was issued
