"""A ledger preview in words: per row, a new item or the fields that change (old → new), and the
bad rows with their row number and column — what the page shows before anything is imported."""

from __future__ import annotations

from dataclasses import dataclass

from bot.web.item_page import FIELD_LABELS, heading_of, shown
from bot.web.views import shortened
from db.plan import ItemDiff
from domain.errors import PlanFileError
from jobs.ledger_preview import LedgerPreview

# Every field a ledger row sets; the item page's history names a few of them already.
PREVIEW_LABELS = FIELD_LABELS | {
    "units": "责任单位",
    "persons": "责任人",
    "deadline_text": "整改时限（原文）",
    "ongoing": "并长期坚持",
    "batch": "批次",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Row:
    heading: str  # 复核组问题3
    problem: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class BadRow:
    row: int | None
    field: str
    problem: str


@dataclass(frozen=True)
class PreviewPage:
    name: str  # the file as uploaded
    created: list[Row]
    changed: list[Row]
    unchanged: int
    errors: list[BadRow]
    applicable: bool


def preview_page(name: str, preview: LedgerPreview) -> PreviewPage:
    return PreviewPage(
        name=name,
        created=[_row(d, with_changes=False) for d in preview.created],
        changed=[_row(d, with_changes=True) for d in preview.changed],
        unchanged=preview.unchanged,
        errors=[bad_row(e) for e in preview.errors],
        applicable=preview.applicable,
    )


def bad_row(error: PlanFileError) -> BadRow:
    """The error without the server's path of the upload: row, column and what is wrong."""
    return BadRow(error.row, error.field or "", error.problem)


def _row(diff: ItemDiff, *, with_changes: bool) -> Row:
    spec = diff.spec
    heading = heading_of(spec)
    changes = [
        FieldChange(PREVIEW_LABELS.get(name, name), shown(old), shown(new))
        for name, (old, new) in diff.changes.items()
        if name != "project_id"
    ]
    return Row(heading, shortened(spec.problem), changes if with_changes else [])
