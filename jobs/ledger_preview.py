"""What importing a ledger would change, read before anything is written (the web's preview).

The preview and the import share one diff (:func:`db.plan.item_diff`): :func:`jobs.import_plans.import_files`
writes what :func:`db.plan.import_item` computes from it, so what the preview lists is what the
import then does — as long as nobody changes the items in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from collectors.limits import DEFAULT_MAX_BYTES
from collectors.plan.ledger import read_ledger_rows
from db.engine import session_scope
from db.plan import ItemDiff, item_diff, project_by_code
from domain.errors import PlanFileError


@dataclass
class LedgerPreview:
    """The rows of one ledger sorted by what importing them would do."""

    project: str
    created: list[ItemDiff] = field(default_factory=list)
    changed: list[ItemDiff] = field(default_factory=list)
    unchanged: int = 0
    errors: list[PlanFileError] = field(default_factory=list)  # each names its row and column

    @property
    def applicable(self) -> bool:
        """Only a ledger without a bad row is imported: the import is all or nothing."""
        return not self.errors and bool(self.created or self.changed)


def preview_ledger(
    engine: Engine, path: Path, *, project: str, year: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> LedgerPreview:
    """Compare ``path`` with ``project``'s items; :class:`PlanFileError` if it is no ledger at all."""
    specs, errors = read_ledger_rows(path, year=year, max_bytes=max_bytes)
    preview = LedgerPreview(project, errors=errors)
    with session_scope(engine) as session:
        row = project_by_code(session, code=project)
        if row is None or row.id is None:
            raise PlanFileError(path, f"项目 {project} 不存在；请先导入它的方案文件")
        for spec in specs:
            diff = item_diff(session, row.id, spec)
            if diff.new:
                preview.created.append(diff)
            elif diff.changes:
                preview.changed.append(diff)
            else:
                preview.unchanged += 1
    return preview
