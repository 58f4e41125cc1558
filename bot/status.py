"""The numbers behind ``duban status``: per project, what is open, due soon, overdue, collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.wiring import App
from db.engine import session_scope
from db.measurements import last_attempt
from db.plan import indicator_count, items_of, projects
from db.runs import recent_runs
from domain.enums import ItemStatus
from domain.workdays import OFFICE_TZ

DUE_SOON_WORKDAYS = 5


@dataclass(frozen=True)
class ProjectStatus:
    name: str
    indicators: int
    items: int
    closed: int
    open: int
    due_soon: int
    overdue: int
    last_collection: str | None


@dataclass
class Status:
    as_of: date
    projects: list[ProjectStatus] = field(default_factory=list)
    due_soon: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    last_runs: list[tuple[str, str, str, str]] = field(default_factory=list)


def gather_status(app: App, as_of: date) -> Status:
    report = Status(as_of)
    with session_scope(app.engine) as session:
        for project in projects(session):
            items = items_of(session, project_id=project.id)
            open_items = [i for i in items if i.status is ItemStatus.OPEN]
            soon = overdue = 0
            for item in open_items:
                if item.deadline is None:
                    continue
                left = app.calendar.workdays_between(as_of, item.deadline)
                if item.deadline < as_of and not item.ongoing:
                    overdue += 1
                elif item.deadline >= as_of and left <= DUE_SOON_WORKDAYS:
                    soon += 1
                    report.due_soon.append(
                        (
                            project.code,
                            f"{item.batch}问题{item.number}",
                            item.deadline.isoformat(),
                            left,
                            "、".join(item.persons),
                        )
                    )
            indicators = indicator_count(session, project_id=project.id)
            last = last_attempt(session, project_id=project.id)
            last_text = None
            if last is not None:
                outcome = f"{last.figures} 个数据" if last.ok else "失败"
                last_text = f"{last.started_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M} {outcome}"
            report.projects.append(
                ProjectStatus(
                    project.name,
                    int(indicators),
                    len(items),
                    len(items) - len(open_items),
                    len(open_items),
                    soon,
                    overdue,
                    last_text,
                )
            )
        for run in recent_runs(session, limit=5):
            counts = "，".join(f"{k}={v}" for k, v in run.counts.items())
            report.last_runs.append(
                (
                    run.job,
                    f"{run.started_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}",
                    run.status.value,
                    counts or (run.error or ""),
                )
            )
    report.due_soon.sort(key=lambda row: (row[3], row[0]))
    return report
