"""Data hygiene: figures that are missing, stale, failed, implausible or negative.

A figure problem stays a finding for as long as the data is as it is — a missing month stays
missing until it is entered, a jump stays until the figure is revised — so its alert resolves
only when someone fixes it, never because a window moved on. Only the last ``LOOKBACK`` months
are examined, so old history does not nag forever.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from operator import truediv

from domain import keys
from domain.enums import Cadence, IndicatorKind, Severity
from domain.evaluation.policy import Policy
from domain.evaluation.series import due_through, month_amounts, month_of, previous_month
from domain.evaluation.shared import addressed
from domain.facts import IndicatorFacts, ProjectFacts, Series
from domain.findings import (
    CollectionFailed,
    Finding,
    ImplausibleJump,
    Jump,
    MissingFigure,
    NegativeValue,
    StaleSource,
)
from domain.keys import FAILED, STALE, Question

LOOKBACK = 24  # months
MANUAL_KINDS = frozenset({"manual"})


@cache  # the same few (first, last) pairs for every indicator of a run
def _months(first: str, last: str) -> tuple[str, ...]:
    """The months from ``first`` to ``last``, at most the last ``LOOKBACK`` of them."""
    months: list[str] = []
    month = last
    while month >= first and len(months) < LOOKBACK:
        months.append(month)
        month = previous_month(month)
    return tuple(months[::-1])


@cache
def horizon(month: str) -> str:
    """The earliest month the odd-value and agreement checks look at."""
    return _months("0000-00", month)[0]


def missing_figures(
    project: ProjectFacts, indicator: IndicatorFacts, as_of: date, policy: Policy
) -> list[Finding]:
    """Periods without a figure, once ``missing_after_day`` of the month after them has passed.

    The period is the indicator's reporting cadence: a month, a quarter (any month of it will
    do), a year; a figure reported once is never asked for again (its verdict says when it is
    missing at the target's judgement).
    """
    if indicator.kind is IndicatorKind.DELIVERABLE or not indicator.tracked:
        return []
    if indicator.cadence is Cadence.ONCE:
        return []
    due_month = due_through(as_of, policy.missing_after_day)
    have = set(indicator.values.months)
    for values in indicator.town_values.values():
        have.update(values.months)
    start, end = indicator.start(project.plan_start), indicator.end(project.plan_end)  # its own window
    first = month_of(start) if start else min(have, default=due_month)
    if indicator.source is None and have:
        first = max(first, min(have))  # hand-entered figures are expected from the first one on
    last = min(due_month, month_of(end)) if end else due_month
    expected = _months(first, last)
    if have.issuperset(expected):
        return []
    ends = [m for m in expected if m not in have]  # the month a missing period is due after
    if indicator.cadence is not Cadence.MONTHLY:
        ends = [
            m
            for m in ends
            if _period_end(m, indicator.cadence) and not _reported_in(m, have, indicator.cadence)
        ]
    if not ends:
        return []
    gaps = [_period_words(m, indicator.cadence) for m in ends]
    return [
        MissingFigure(
            key=keys.indicator(indicator.project, indicator.code).key(Question.MISSING),
            severity=Severity.WARNING,
            stage=keys.missing(ends[-1]),
            months=tuple(gaps),
            source=indicator.source,
            after_day=policy.missing_after_day,
            cadence=indicator.cadence,
            **addressed(indicator),
        )
    ]


def _period_end(month: str, cadence: Cadence) -> bool:
    """Whether ``month`` ends a reporting period (a quarter's or a year's last month)."""
    number = int(month[5:7])
    return number % 3 == 0 if cadence is Cadence.QUARTERLY else number == 12


def _reported_in(end: str, have: set[str], cadence: Cadence) -> bool:
    """Whether any month of the period ending with ``end`` has a figure."""
    year, number = end[:4], int(end[5:7])
    first = number - 2 if cadence is Cadence.QUARTERLY else 1
    return any(f"{year}-{m:02d}" in have for m in range(first, number + 1))


def _period_words(end: str, cadence: Cadence) -> str:
    if cadence is Cadence.QUARTERLY:
        return f"{end[:4]}年第{int(end[5:7]) // 3}季度"
    if cadence is Cadence.YEARLY:
        return f"{end[:4]}年"
    return end


def odd_values(indicator: IndicatorFacts, as_of: date, policy: Policy) -> list[Finding]:
    """Negative figures and month-over-month jumps beyond ``jump_factor``, in recent months."""
    if indicator.kind is not IndicatorKind.NUMERIC:
        return []
    findings: list[Finding] = []
    series: list[tuple[str, Series]] = [("", indicator.values)]
    series += sorted(indicator.town_values.items())
    last = month_of(as_of)
    since = horizon(last)
    for town, values in series:
        recent = values.between(since, previous_month(last))  # the recent complete months
        if not recent or _unremarkable(recent, policy.jump_factor):
            continue
        amounts = month_amounts(recent)
        negative = [m for m, a in amounts.items() if a < 0] if min(amounts.values()) < 0 else []
        jumps = _jumps(amounts, policy.jump_factor)
        if not negative and not jumps:
            continue  # the usual case: no finding to address
        subject = keys.indicator(indicator.project, indicator.code, town or None)
        who = addressed(indicator, f"{indicator.code} {indicator.name}" + (f"（{town}）" if town else ""))
        if negative:
            findings.append(
                NegativeValue(
                    key=subject.key(Question.NEGATIVE),
                    severity=Severity.WARNING,
                    stage=keys.found(negative[-1]),
                    months=tuple(negative),
                    unit=indicator.unit or "",
                    **who,
                )
            )
        if jumps:
            findings.append(
                ImplausibleJump(
                    key=subject.key(Question.JUMP),
                    severity=Severity.WARNING,
                    stage=keys.found(jumps[-1].month),
                    jumps=tuple(jumps),
                    unit=indicator.unit or "",
                    factor=policy.jump_factor,
                    **who,
                )
            )
    return findings


def _unremarkable(values: Series, factor: float) -> bool:
    """A quick screen at C speed for the usual series: month-alone figures, all positive, each
    within ``factor`` of the one before it — so no month is negative and none is a jump (a month
    only follows the one listed before it, or a later one after a gap)."""
    if values.any_cumulative:
        return False  # year-to-date figures are only comparable as month amounts
    figures = values.amounts
    low, high = min(figures), max(figures)
    if low <= 0:
        return False
    if high / low < factor and low / high > 1 / factor:
        return True  # no two of the months are that far apart
    ratios = list(map(truediv, figures[1:], figures[:-1]))
    return not ratios or (max(ratios) < factor and min(ratios) > 1 / factor)


def _jumps(amounts: dict[str, float], factor: float) -> list[Jump]:
    """Adjacent months whose ratio is beyond ``factor`` either way (both months positive)."""
    jumps = []
    for month, amount in amounts.items():
        before = amounts.get(previous_month(month))
        if before is None or before <= 0 or amount <= 0:
            continue
        ratio = amount / before
        if ratio >= factor or ratio <= 1 / factor:
            jumps.append(Jump(month=month, before=before, amount=amount, ratio=ratio))
    return jumps


def source_health(project: ProjectFacts, as_of: date, policy: Policy) -> list[Finding]:
    """Sources whose latest attempt failed, and sources not collected for ``stale_after_days``."""
    findings: list[Finding] = []
    for source in project.sources:
        subject = keys.source(project.code, source.code)
        label = source.name or source.code
        if source.failed_error is not None:
            findings.append(
                CollectionFailed(
                    key=subject.key(Question.COLLECTION),
                    project=project.code,
                    severity=Severity.WARNING,
                    subject=f"数据源 {label} 采集失败",
                    stage=FAILED,
                    error=source.failed_error,
                    page_kept=source.failed_page_kept,
                )
            )
        if source.kind in MANUAL_KINDS:
            continue
        since = source.last_ok or source.first_attempt
        if since is None or (as_of - since).days < policy.stale_after_days:
            continue
        findings.append(
            StaleSource(
                key=subject.key(Question.STALE),
                project=project.code,
                severity=Severity.WARNING,
                subject=f"数据源 {label}",
                stage=STALE,
                last_ok=source.last_ok,
                days=(as_of - since).days,
            )
        )
    return findings
