"""The numbers behind ``duban status``: per project, what is open, due soon, overdue, collected.

Times are Beijing time (the office's), as text ready to show; the database keeps UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from db import overview
from domain.enums import ItemStatus
from domain.keys import natural_key
from domain.labels import COUNT_LABELS, JOB_LABELS
from domain.workdays import OFFICE_TZ

if TYPE_CHECKING:
    from bot.wiring import App

DUE_SOON_WORKDAYS = 5


@dataclass(frozen=True)
class ProjectStatus:
    code: str
    name: str
    indicators: int
    items: int
    closed: int
    open: int
    due_soon: int
    overdue: int
    last_collection: str | None


@dataclass(frozen=True)
class ItemLine:
    """One open item with a deadline: ``workdays`` left (due soon) or past (overdue)."""

    project: str
    item: str
    deadline: date
    workdays: int
    units: tuple[str, ...]
    persons: tuple[str, ...]


@dataclass
class Status:
    as_of: date
    projects: list[ProjectStatus] = field(default_factory=list)
    due_soon: list[ItemLine] = field(default_factory=list)
    overdue: list[ItemLine] = field(default_factory=list)
    last_runs: list[tuple[str, str, str, str]] = field(default_factory=list)

    def overdue_by_unit(self) -> list[tuple[str, str, ItemLine]]:
        """(unit, persons, item) for every overdue item and each of its units, by unit and person."""
        rows = [
            (unit, "、".join(line.persons) or "—", line)
            for line in self.overdue
            for unit in (line.units or ("（未写责任单位）",))
        ]
        return sorted(
            rows, key=lambda row: (row[0], row[1], row[2].deadline, row[2].project, natural_key(row[2].item))
        )


def gather_status(app: App, as_of: date, project: str | None = None) -> Status:
    """Read the overview in one connection (Core queries: ``duban status`` must start quickly), of
    every project or of the one coded ``project``."""
    report = Status(as_of)
    with app.engine.connect() as connection:
        projects = overview.projects(connection, project)
        ids = [p.id for p in projects]
        items_of = overview.items(connection, ids)
        indicators = overview.indicator_counts(connection, ids)
        attempts = overview.last_attempts(connection, ids)
        for row in projects:
            items = items_of[row.id]
            open_items = [i for i in items if i.status == ItemStatus.OPEN]
            soon = overdue = 0
            for item in open_items:
                if item.deadline is None:
                    continue
                if item.deadline < as_of and not item.ongoing:
                    overdue += 1
                    late = app.calendar.workdays_between(item.deadline, as_of)
                    report.overdue.append(_line(row.code, item, item.deadline, late))
                    continue
                left = app.calendar.workdays_between(as_of, item.deadline)
                if item.deadline >= as_of and left <= DUE_SOON_WORKDAYS:
                    soon += 1
                    report.due_soon.append(_line(row.code, item, item.deadline, left))
            last = attempts.get(row.id)
            last_text = None
            if last is not None:
                outcome = f"{last.figures} 个数据" if last.ok else "失败"
                last_text = f"{last.started_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M} {outcome}"
            report.projects.append(
                ProjectStatus(
                    row.code,
                    row.name,
                    indicators[row.id],
                    len(items),
                    len(items) - len(open_items),
                    len(open_items),
                    soon,
                    overdue,
                    last_text,
                )
            )
        for run in overview.last_runs(connection):
            counts = "，".join(f"{COUNT_LABELS.get(k, k)} {v}" for k, v in run.counts.items())
            report.last_runs.append(
                (
                    JOB_LABELS.get(run.job, run.job),
                    f"{run.started_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}",
                    run.status,
                    counts or (run.error or ""),
                )
            )
    report.due_soon.sort(key=lambda line: (line.workdays, line.project, natural_key(line.item)))
    return report


def _line(project: str, item: overview.ItemRow, deadline: date, workdays: int) -> ItemLine:
    label = f"{item.batch}问题{item.number}"
    return ItemLine(project, label, deadline, workdays, tuple(item.units), tuple(item.persons))
