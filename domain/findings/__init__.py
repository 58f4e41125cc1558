"""What the evaluation finds: one frozen dataclass per finding kind, and the registry of kinds.

:mod:`base` is the shape every finding has; one module per family of kinds (:mod:`deadlines`,
:mod:`targets`, :mod:`rates`, :mod:`verdicts`, :mod:`hygiene`, :mod:`reporting`,
:mod:`resolved`); :mod:`kinds` lists them with their labels and sentences.
"""

from domain.findings.base import JSON, Finding
from domain.findings.deadlines import (
    CheckIn,
    DeadlineApproaching,
    DeadlineToday,
    Deliverable,
    DeliverableDue,
    DeliverableOverdue,
    ItemDeadline,
    NoEvidence,
    Overdue,
)
from domain.findings.hygiene import (
    CollectionFailed,
    DataMismatch,
    ImplausibleJump,
    Jump,
    MissingFigure,
    NegativeValue,
    SourceFigure,
    StaleSource,
)
from domain.findings.kinds import KINDS
from domain.findings.rates import GrowthBelow, RatioBelow, RatioMissed, RatioShortfall
from domain.findings.registry import KindEntry, KindRegistry
from domain.findings.reporting import ReportWindow
from domain.findings.resolved import Resolved
from domain.findings.targets import (
    BehindPace,
    OnceTarget,
    OnceTargetMissed,
    PlanBehindPace,
    PlanTargetMissed,
    TargetDue,
    TargetMissed,
)
from domain.findings.verdicts import NotReported, NotYetDue, OnPace, Standing, TargetMet

__all__ = [
    "JSON",
    "KINDS",
    "BehindPace",
    "CheckIn",
    "CollectionFailed",
    "DataMismatch",
    "DeadlineApproaching",
    "DeadlineToday",
    "Deliverable",
    "DeliverableDue",
    "DeliverableOverdue",
    "Finding",
    "GrowthBelow",
    "ImplausibleJump",
    "ItemDeadline",
    "Jump",
    "KindEntry",
    "KindRegistry",
    "MissingFigure",
    "NegativeValue",
    "NoEvidence",
    "NotReported",
    "NotYetDue",
    "OnPace",
    "OnceTarget",
    "OnceTargetMissed",
    "Overdue",
    "PlanBehindPace",
    "PlanTargetMissed",
    "RatioBelow",
    "RatioMissed",
    "RatioShortfall",
    "ReportWindow",
    "Resolved",
    "SourceFigure",
    "StaleSource",
    "Standing",
    "TargetDue",
    "TargetMet",
    "TargetMissed",
]
