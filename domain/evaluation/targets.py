"""Numeric targets: per year (and per town) here; over the whole plan and once by a date in
:mod:`plan_targets`, which :func:`evaluate_numeric` dispatches to.

Every target gets exactly one verdict (see :mod:`domain.findings.verdicts`). Only months before
the as-of month count: the current month is not over.

* A yearly target is held against the pace (序时进度) each month — met, on pace or behind — and
  judged met or missed once December is in. The year judged is that of the latest figure (or a
  later year already over without one); with none, the year of the last month whose figure is
  due (never past the plan's end).
* A cumulative target and a "once" target: :mod:`plan_targets`.
* Once a target is judged (its year, plan period or date is over) and no figure shows it, it is
  not reported — missing is not failed. With figures that stop short of the end (monthly
  reporting), the missing months leave it not reported too, unless what is in already meets it.
* Only a floor (≥, >) reported monthly or quarterly is paced; a figure reported yearly or once,
  and a ceiling, band or approximate figure, is "not yet due" until judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from domain import keys
from domain.enums import Binding, PeriodKind
from domain.evaluation.compare import number
from domain.evaluation.plan_targets import evaluate_cumulative, evaluate_once
from domain.evaluation.policy import Policy, severity
from domain.evaluation.series import (
    covered_months,
    due_through,
    forecast,
    forecast_method,
    pace_method,
    pace_share,
    year_to_date,
)
from domain.evaluation.shared import PACED, addressed, reported
from domain.evaluation.verdicts import not_reported, requirement_of, standing
from domain.facts import IndicatorFacts, Series
from domain.findings import BehindPace, Finding, NotYetDue, OnPace, Standing, TargetMet, TargetMissed
from domain.keys import MISSED, Question
from domain.workdays import WorkCalendar


@dataclass(frozen=True)
class YearProgress:
    """Where a yearly target stands: the year-to-date amount against the target and the pace."""

    year: int
    month: int  # the last complete month reported
    amount: float
    target: float
    pace: float  # % of the target due by the end of ``month``

    @property
    def completion(self) -> float:
        return self.amount / self.target * 100


def year_progress(indicator: IndicatorFacts, as_of: date) -> YearProgress | None:
    """The progress bar of a yearly numeric target (the web page and the leaders' summary)."""
    values = reported(indicator.values, as_of)
    if indicator.period is not PeriodKind.PER_YEAR or not values:
        return None
    year = int(values.months[-1][:4])
    target = indicator.target_for(year)
    ytd = year_to_date(values, year)
    if not target or ytd is None:
        return None
    amount, month = ytd
    return YearProgress(year, month, amount, target, pace_share(month, indicator.pace) * 100)


class YearFigures(TypedDict):
    """Where a yearly target stands, as a missed target and a target behind the pace tell it."""

    unit: str
    binding: Binding
    sources: tuple[str, ...]
    year: int
    month: int
    amount: float
    target: float
    town: str | None
    completion: float | None


def evaluate_numeric(
    indicator: IndicatorFacts,
    project_start: date | None,
    project_end: date | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
) -> list[Finding]:
    """Exactly one verdict per target: one for the indicator, or one per town of a per-town one."""
    due = due_through(as_of, policy.missing_after_day)
    if indicator.period is PeriodKind.PER_YEAR:
        values = reported(indicator.values, as_of)
        year = _judged_year(values, due, project_start, project_end)
        return [_yearly(indicator, values, indicator.target_for, "", year, due)]
    if indicator.period is PeriodKind.PER_YEAR_PER_TOWN:
        towns = set(indicator.town_values) | {town for _, town in indicator.town_targets}
        if not towns:  # nothing entered for any town yet: one verdict for the indicator
            year = _judged_year(Series(), due, project_start, project_end)
            return [_yearly(indicator, Series(), indicator.target_for, "", year, due)]
        findings: list[Finding] = []
        for town in sorted(towns):
            values = reported(indicator.town_values.get(town, Series()), as_of)

            def target(year: int, town: str = town) -> float | None:
                found = indicator.town_targets.get((year, town), indicator.town_targets.get((None, town)))
                return found if found is not None else indicator.target_for(year)

            year = _judged_year(values, due, project_start, project_end)
            findings.append(_yearly(indicator, values, target, town, year, due))
        return findings
    if indicator.period is PeriodKind.CUMULATIVE:
        return [evaluate_cumulative(indicator, project_start, indicator.due or project_end, as_of, due)]
    return [evaluate_once(indicator, as_of, calendar, policy)]


def _judged_year(values: Series, due: str, start: date | None, end: date | None) -> int:
    """The year a yearly target is judged for: the latest figure's (``values`` are the reported
    ones) — or a later year already over (its December due) that has none; with no figure at all,
    the last due month's. Never past the plan's last year."""
    if values:
        over = int(due[:4]) - (0 if due.endswith("-12") else 1)  # the latest year whose December is due
        if end is not None:
            over = min(over, end.year)
        return max(int(values.months[-1][:4]), over)
    year = int(due[:4])
    if end is not None:
        year = min(year, end.year)
    if start is not None:
        year = max(year, start.year)
    return year


def _yearly(
    indicator: IndicatorFacts,
    values: Series,
    target_for: Callable[[int], float | None],
    town: str,
    year: int,
    due: str,
) -> Finding:
    subject = f"{indicator.code} {indicator.name}" + (f"（{town}）" if town else "")
    key = keys.indicator(indicator.project, indicator.code, town or None).key(Question.YEAR, year)
    target = target_for(year)
    if target is None:
        return standing(
            NotYetDue,
            indicator,
            key,
            requirement=None,
            amount=None,
            month=None,
            basis=f"方案未给出 {year} 年的目标",
            town=town or None,
        )
    need = requirement_of(indicator, target)
    closed = due >= f"{year:04d}-12"  # December's figure is due: the year is judged
    ytd = year_to_date(values, year)
    if ytd is None:
        if closed:
            return not_reported(
                indicator, key, requirement=need, period=f"{year} 年已结束", town=town or None
            )
        return standing(
            NotYetDue,
            indicator,
            key,
            requirement=need,
            amount=None,
            month=None,
            basis=f"{year} 年尚无数值，年底前达到即可",
            town=town or None,
        )
    amount, month = ytd
    ok = need.met(amount)
    last = f"{year:04d}-{month:02d}"
    complete = month == 12 or indicator.cadence not in PACED
    basis = f"{year} 年截至 {month} 月累计"

    def quiet(kind: type[Standing], why: str) -> Finding:
        """A quiet verdict on the year's figure so far."""
        return standing(
            kind, indicator, key, requirement=need, amount=amount, month=last, basis=why, town=town or None
        )

    if month == 12 or (closed and complete) or (need.exceeded and not ok):
        if ok:
            return quiet(TargetMet, basis)
        return TargetMissed(
            key=key,
            stage=MISSED,
            severity=severity(indicator.binding, True),
            escalate=True,
            **_year_figures(indicator, year, month, amount, target, town),
            **addressed(indicator, subject),
        )
    if ok and need.floor:
        return quiet(TargetMet, basis + "，已达到全年目标")
    if closed:  # the year is over but its last months were never reported
        return not_reported(
            indicator,
            key,
            requirement=need,
            period=f"{year} 年已结束",
            amount=amount,
            month=last,
            town=town or None,
        )
    if not need.floor or indicator.cadence not in PACED:
        return quiet(OnPace if need.exceeded else NotYetDue, basis + "，年底判定")
    required = target * pace_share(month, indicator.pace)
    unit = indicator.unit or ""
    if amount >= required:
        return quiet(
            OnPace, f"{basis}，{pace_method(month, indicator.pace)}，应完成 {number(required)} {unit}"
        )
    months = covered_months(values, year, month)
    expected = forecast(amount, months, indicator.pace)
    return BehindPace(
        key=key,
        stage=keys.month_stage(month),
        severity=severity(indicator.binding, False),
        repeat=False,  # a new month is a new stage; the same numbers are not worth repeating
        required=required,
        gap=required - amount,
        gap_points=(required - amount) / target * 100 if target else 0.0,
        pace_method=pace_method(month, indicator.pace),
        forecast=expected,
        forecast_method=forecast_method(months, indicator.pace),
        forecast_short=expected is not None and expected < target,
        forecast_months=len(months),
        **_year_figures(indicator, year, month, amount, target, town),
        **addressed(indicator, subject),
    )


def _year_figures(
    indicator: IndicatorFacts, year: int, month: int, amount: float, target: float, town: str
) -> YearFigures:
    return YearFigures(
        unit=indicator.unit or "",
        binding=indicator.binding,
        sources=indicator.sources,
        year=year,
        month=month,
        amount=amount,
        target=target,
        town=town or None,
        completion=amount / target * 100 if target else None,
    )
