"""What the target rules share: the reported months, who a finding is for, which cadences are paced."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from domain.enums import Cadence
from domain.evaluation.series import month_of
from domain.facts import IndicatorFacts, Series

PACED = frozenset({Cadence.MONTHLY, Cadence.QUARTERLY})  # figures frequent enough to hold to a pace


def reported(values: Series, as_of: date) -> Series:
    """The figures of complete months: those before the as-of month."""
    return values.before(month_of(as_of))


class Addressed(TypedDict):
    project: str
    subject: str
    persons: tuple[str, ...]
    units: tuple[str, ...]


def addressed(indicator: IndicatorFacts, subject: str | None = None) -> Addressed:
    """Who a finding about ``indicator`` is for: its project, subject, persons and unit."""
    return Addressed(
        project=indicator.project,
        subject=subject or f"{indicator.code} {indicator.name}",
        persons=indicator.persons,
        units=(indicator.responsible_unit,) if indicator.responsible_unit else (),
    )
