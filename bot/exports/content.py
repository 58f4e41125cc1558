"""What both exports hold: the project and its items, read once, in the document's own order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from db.engine import session_scope
from db.plan import items_of, project_by_code
from domain.enums import ItemStatus
from domain.errors import UnknownProjectError
from domain.keys import natural_key
from domain.labels import label


@dataclass(frozen=True)
class Row:
    """One rectification item as the ledger and the report write it."""

    batch: str
    number: str
    problem: str
    measures: str
    units: tuple[str, ...]
    persons: tuple[str, ...]
    deadline: date | None
    deadline_text: str
    ongoing: bool
    closed: bool
    result: str

    @property
    def status(self) -> str:
        return label(ItemStatus.CLOSED if self.closed else ItemStatus.OPEN)


@dataclass(frozen=True)
class Content:
    code: str
    name: str
    as_of: date
    rows: tuple[Row, ...]

    def batches(self) -> list[tuple[str, list[Row]]]:
        """The items by batch (复核组, 评价组 …), batches in the order the document has them."""
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row.batch, []).append(row)
        return list(grouped.items())


def read_content(engine: Engine, code: str, as_of: date) -> Content:
    """The project's items as they stand now; :class:`UnknownProjectError` if there is none."""
    with session_scope(engine) as session:
        project = project_by_code(session, code=code)
        if project is None:
            raise UnknownProjectError(code)
        items = items_of(session, project_id=project.id)
        first_seen: dict[str, int] = {}  # items were imported in the document's order: its batches come first
        for item in items:
            first_seen.setdefault(item.batch, len(first_seen))
        items.sort(key=lambda i: (first_seen[i.batch], natural_key(i.number)))
        rows = tuple(
            Row(
                batch=i.batch,
                number=i.number,
                problem=i.problem,
                measures=(i.measures or "").strip(),
                units=tuple(i.units),
                persons=tuple(i.persons),
                deadline=i.deadline,
                deadline_text=_deadline_text(i.deadline, i.deadline_text),
                ongoing=i.ongoing,
                closed=i.status is ItemStatus.CLOSED,
                result=(i.result or "").strip(),
            )
            for i in items
        )
        return Content(project.code, project.name, as_of, rows)


def _deadline_text(deadline: date | None, written: str | None) -> str:
    """The deadline as the office wrote it, with its year where the wording left the year out."""
    if not written:
        return f"{deadline.year}年{deadline.month}月{deadline.day}日" if deadline else ""
    if deadline is not None and str(deadline.year) not in written:
        return f"{deadline.year}年{written}"  # 10月底 → 2023年10月底: the file outlives the year
    return written
