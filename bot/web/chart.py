"""An indicator's series as an inline SVG chart: drawn on the server, so it needs no script (the
page's CSP allows none) and scales to any width through its ``viewBox``.

A yearly target is drawn year to date: the running total by month, the target as a level line and
the pace (序时进度) as the share of the target due by each month end — the same
:func:`~domain.evaluation.series.pace_share` the evaluation judges by. Any other numeric indicator
is drawn as its monthly figures, with its target level where it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import IndicatorKind, PeriodKind
from domain.evaluation.series import pace_share, year_to_date
from domain.evaluation.shared import reported
from domain.facts import IndicatorFacts

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 28  # room for the axis labels
RECENT_MONTHS = 12


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    text: str  # the tooltip: month and value


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    title: str  # what the line shows, e.g. 2023年累计
    values: list[Point]
    pace: list[Point]  # empty: no pace for this indicator
    target: float | None  # y of the target level
    target_text: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT

    @property
    def line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.values)

    @property
    def pace_line(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.pace)


def chart_of(indicator: IndicatorFacts, as_of: date) -> Chart | None:
    """The chart of ``indicator`` as the page's judging day sees it; None with nothing to draw."""
    if indicator.kind is not IndicatorKind.NUMERIC:
        return None
    values = reported(indicator.values, as_of)
    if not values:
        return None
    unit = indicator.unit or ""
    if indicator.period is PeriodKind.PER_YEAR:
        year = int(values.months[-1][:4])
        target = indicator.target_for(year)
        months = sorted({int(m[5:7]) for m in values.between(f"{year:04d}-01", f"{year:04d}-12").months})
        running = [(m, ytd[0]) for m in months if (ytd := year_to_date(values, year, upto=m)) is not None]
        pace = [(m, (target or 0) * pace_share(m, indicator.pace)) for m in range(1, 13)] if target else []
        scale = _Scale(12, max([target or 0, *(v for _, v in running)]))
        return Chart(
            WIDTH,
            HEIGHT,
            f"{year}年累计",
            [Point(scale.x(m), scale.y(v), f"{year}年{m}月累计 {v:,.1f} {unit}") for m, v in running],
            [Point(scale.x(0), scale.y(0), ""), *(Point(scale.x(m), scale.y(v), "") for m, v in pace)],
            scale.y(target) if target else None,
            f"年度目标 {target:,.0f} {unit}" if target else "",
            [Tick(scale.x(m), str(m)) for m in range(1, 13)],
            scale.ticks(),
        )
    recent = list(zip(values.months, values.amounts, strict=True))[-RECENT_MONTHS:]
    target = indicator.target
    scale = _Scale(len(recent) + 1, max([target or 0, *(v for _, v in recent)]))
    return Chart(
        WIDTH,
        HEIGHT,
        "各月数值",
        [Point(scale.x(i + 1), scale.y(v), f"{m} {v:,.1f} {unit}") for i, (m, v) in enumerate(recent)],
        [],
        scale.y(target) if target else None,
        f"目标 {target:g} {unit}" if target else "",
        [Tick(scale.x(i + 1), m[5:7].lstrip("0")) for i, (m, _) in enumerate(recent)],
        scale.ticks(),
    )


class _Scale:
    """Months 0 … ``steps`` across, 0 … a little above ``top`` up."""

    def __init__(self, steps: int, top: float) -> None:
        self.steps, self.top = steps, (top * 1.1) or 1.0

    def x(self, step: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * step / self.steps

    def y(self, value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(value, 0) / self.top)

    def ticks(self) -> list[Tick]:
        return [Tick(self.y(self.top * share), f"{self.top * share:,.0f}") for share in (0, 0.5, 1)]
