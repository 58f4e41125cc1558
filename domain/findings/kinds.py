"""Every finding kind duban knows: one line each (class, label, partial), in section order."""

from __future__ import annotations

from domain.findings.deadlines import (
    CheckIn,
    DeadlineApproaching,
    DeadlineToday,
    DeliverableDue,
    DeliverableOverdue,
    NoEvidence,
    Overdue,
)
from domain.findings.hygiene import (
    CollectionFailed,
    DataMismatch,
    ImplausibleJump,
    MissingFigure,
    NegativeValue,
    StaleSource,
)
from domain.findings.rates import GrowthBelow, RatioBelow, RatioMissed
from domain.findings.registry import KindEntry, KindRegistry
from domain.findings.reporting import ReportWindow
from domain.findings.resolved import Resolved
from domain.findings.targets import (
    BehindPace,
    OnceTargetMissed,
    PlanBehindPace,
    PlanTargetMissed,
    TargetDue,
    TargetMissed,
)
from domain.findings.verdicts import NotReported, NotYetDue, OnPace, TargetMet
from domain.labels import label

KINDS = KindRegistry(
    KindEntry(cls, label(cls.kind), partial)
    for cls, partial in (
        (DeadlineApproaching, "item_deadline"),
        (DeadlineToday, "item_deadline"),
        (Overdue, "item_deadline"),
        (CheckIn, "check_in"),
        (BehindPace, "behind_pace"),
        (PlanBehindPace, "plan_behind_pace"),
        (TargetMissed, "target_missed"),
        (PlanTargetMissed, "plan_target_missed"),
        (OnceTargetMissed, "once_target"),
        (RatioMissed, "ratio_missed"),
        (NotReported, "not_reported"),
        (TargetDue, "once_target"),
        (RatioBelow, "ratio_below"),
        (GrowthBelow, "growth_below"),
        (DeliverableDue, "deliverable"),
        (DeliverableOverdue, "deliverable"),
        (NoEvidence, "no_evidence"),
        (ReportWindow, "report_window"),
        (MissingFigure, "missing_figure"),
        (StaleSource, "stale_source"),
        (CollectionFailed, "collection_failed"),
        (ImplausibleJump, "implausible_jump"),
        (NegativeValue, "negative_value"),
        (DataMismatch, "data_mismatch"),
        (Resolved, "resolved"),
        (TargetMet, "standing"),
        (OnPace, "standing"),
        (NotYetDue, "standing"),
    )
)
