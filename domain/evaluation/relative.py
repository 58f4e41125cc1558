"""Levels and shares held to a reference figure: "招商资金不少于政府引导资金".

A numeric or ratio target with a ``reference`` requires the reference indicator's latest figure
(entered by hand or collected, as of the month judged) plus ``target`` — an amount for a level,
points for a share — compared with the indicator's own comparator (strict or not). The target is
then judged as any other; until the reference has a figure it is not yet due, and not reported
once its window is over. (Growth rates have their own reference rule in :mod:`rates`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from domain import keys
from domain.evaluation.series import due_through, month_of
from domain.evaluation.shared import reported
from domain.evaluation.verdicts import not_reported, standing
from domain.facts import IndicatorFacts
from domain.findings import Finding, NotYetDue
from domain.keys import Question


def against_reference(
    indicator: IndicatorFacts,
    by_code: Mapping[str, IndicatorFacts],
    as_of: date,
    end: date | None,
    after_day: int = 10,
) -> IndicatorFacts | Finding:
    """``indicator`` with its target made absolute from its reference's figure, or — with no
    reference figure yet — the one verdict that says so."""
    reference = by_code.get(indicator.reference or "")
    figures = reported(reference.values, as_of) if reference else None
    if figures:
        offset = indicator.target or 0.0
        return replace(indicator, target=figures[-1].value + offset, year_targets={})
    key = keys.indicator(indicator.project, indicator.code).key(Question.ONCE, indicator.due or end)
    name = f"{reference.code} {reference.name}" if reference else indicator.reference
    if end is not None and due_through(as_of, after_day) >= month_of(end):
        over = f"时限 {end.year}年{end.month}月{end.day}日已过，{name}仍无数值"
        return not_reported(indicator, key, requirement=None, period=over)
    basis = f"要求以{name}为参照，{name}尚无数值"
    return standing(NotYetDue, indicator, key, requirement=None, amount=None, month=None, basis=basis)
