"""Figures that disagree (数据口径不一致): one month's figure from two sources, too far apart.

Where the plan sets ``agree_within`` on an indicator, each complete month of the recent ones
(hygiene.LOOKBACK) is checked: the latest figure of every source (a collected source, hand entry, an
import) against every other. A pair further apart than the plan allows is a finding of its own,
told once per month and pair (evaluators compare exactly these two numbers) and cleared when the
two agree again. Revisions of one source are not two sources: only its latest figure counts.
A month-alone figure is not compared with a year-to-date one: they measure different things.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import combinations

from domain import keys
from domain.agreement import AgreeWithin, percent_of_larger
from domain.enums import Origin, Severity
from domain.evaluation.hygiene import horizon
from domain.evaluation.series import month_of
from domain.evaluation.shared import addressed
from domain.facts import IndicatorFacts, ProjectFacts, SourceReading
from domain.findings import DataMismatch, Finding, SourceFigure
from domain.keys import Question
from domain.labels import label

PAIR = "+"  # joins the two sources' codes in the alert key
_ORIGINS = frozenset(o.value for o in Origin)  # what a figure without a source code is keyed by


def disagreements(project: ProjectFacts, indicator: IndicatorFacts, as_of: date) -> list[Finding]:
    """A finding per month and pair of sources whose figures differ beyond ``agree_within``."""
    allowed = indicator.agree_within
    if allowed is None or not indicator.readings:
        return []
    last = month_of(as_of)  # the as-of month is not complete: its figures may still move
    first = horizon(last)
    by_month: dict[str, list[SourceReading]] = defaultdict(list)
    for reading in indicator.readings:
        if first <= reading.month < last:
            by_month[reading.month].append(reading)
    names = {s.code: s.name or s.code for s in project.sources}
    findings: list[Finding] = []
    for month, readings in by_month.items():
        for one, other in combinations(sorted(readings, key=lambda r: r.source), 2):
            if one.cumulative == other.cumulative and not allowed.allows(one.value, other.value):
                findings.append(_mismatch(indicator, month, one, other, allowed, names))
    return findings


def _mismatch(
    indicator: IndicatorFacts,
    month: str,
    one: SourceReading,
    other: SourceReading,
    allowed: AgreeWithin,
    names: dict[str, str],
) -> DataMismatch:
    pair = PAIR.join((one.source, other.source))
    return DataMismatch(
        key=keys.indicator(indicator.project, indicator.code).key(Question.MISMATCH, month, pair),
        severity=Severity.WARNING,
        stage=keys.found(month),
        repeat=False,
        month=month,
        first=_figure(one, names),
        second=_figure(other, names),
        difference=abs(one.value - other.value),
        percent=percent_of_larger(one.value, other.value),
        allowed=str(allowed),
        unit=indicator.unit or "",
        **addressed(indicator),
    )


def _figure(reading: SourceReading, names: dict[str, str]) -> SourceFigure:
    origin = Origin(reading.source) if reading.source in _ORIGINS else None
    return SourceFigure(
        source=label(origin) if origin else names.get(reading.source, reading.source),
        value=reading.value,
        recorded_on=reading.recorded_on,
        manual=origin in (Origin.MANUAL, Origin.IMPORTED),
        evidence_id=reading.evidence_id,
        evidence_name=_file_name(reading.evidence_name),
    )


def _file_name(origin: str | None) -> str | None:
    """A file's name is worth a message (台账.xlsx); a page's address is not: its number will do."""
    return origin if origin and "://" not in origin else None
