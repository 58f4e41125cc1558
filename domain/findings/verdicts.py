"""A target's verdict when it is no shortfall (met, on pace, not yet due) — and when it has no figure.

Every target gets exactly one verdict at every evaluation. Most verdicts remind (behind pace,
missed …, in :mod:`targets`, :mod:`rates`, :mod:`deadlines`). The three :class:`Standing` kinds
need no reminder: they are ``quiet`` — shown by ``duban evaluate`` but never an alert or a
message. :class:`NotReported` is a target judged with no figure to judge it by: missing is not
failed, so it says who must report the figure and that the standard cannot be shown as met.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.enums import Binding, FindingKind, Verdict
from domain.findings.base import Finding


@dataclass(frozen=True, kw_only=True)
class Standing(Finding):
    """Where a target stands when nothing needs doing about it yet (a quiet verdict)."""

    quiet: ClassVar[bool] = True
    standing: ClassVar[Verdict]
    binding: Binding
    requirement: str  # 不少于 5 家; empty for a deliverable
    amount: float | None  # the figure judged, if any
    unit: str
    month: str | None  # YYYY-MM of the latest figure
    basis: str  # how it was judged, in words: 2023 年截至 10 月累计, 时限 2023年12月31日 …

    @property
    def verdict(self) -> Verdict:
        return self.standing


@dataclass(frozen=True, kw_only=True)
class TargetMet(Standing):
    kind: ClassVar[FindingKind] = FindingKind.TARGET_MET
    standing: ClassVar[Verdict] = Verdict.MET


@dataclass(frozen=True, kw_only=True)
class OnPace(Standing):
    kind: ClassVar[FindingKind] = FindingKind.ON_PACE
    standing: ClassVar[Verdict] = Verdict.ON_PACE


@dataclass(frozen=True, kw_only=True)
class NotYetDue(Standing):
    kind: ClassVar[FindingKind] = FindingKind.NOT_YET_DUE
    standing: ClassVar[Verdict] = Verdict.NOT_YET_DUE


@dataclass(frozen=True, kw_only=True)
class NotReported(Finding):
    """A target judged (its year, its plan period or its date is over) with no figure for it.

    ``amount`` is the part reported, if any (figures up to ``month``, the later ones missing).
    ``reporter`` is who must report it, as the plan names them (persons, else the unit); empty
    when the plan names nobody. ``source`` the data source expected to provide it, if any.
    """

    kind: ClassVar[FindingKind] = FindingKind.NOT_REPORTED
    binding: Binding
    requirement: str
    unit: str
    period: str  # what was judged, in words: 2023 年, 方案期（至 2023年12月31日）…
    amount: float | None
    month: str | None
    reporter: str
    source: str | None

    @property
    def verdict(self) -> Verdict:
        return Verdict.NOT_REPORTED
