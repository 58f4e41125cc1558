"""One indicator's page, read into plain rows: its target and verdict, its months and revisions, and
the chart of its series against the target and the pace (序时进度).

The verdict is the evaluation's own (:func:`bot.web.views.indicator_verdicts`), the progress bar the
project page's, and the chart's pace line :func:`domain.evaluation.series.pace_share` — nothing here
judges a figure on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.web.chart import Chart, chart_of
from bot.web.views import Bar, Other, bar_of, indicator_verdicts, other_of
from db.facts_loader import load_projects
from db.measurements import latest_figures
from db.models import Measurement
from domain.enums import Origin
from domain.evaluation import Policy
from domain.facts import IndicatorFacts
from domain.labels import LABELS, label
from domain.workdays import WorkCalendar


@dataclass
class Revision:
    value: float
    origin: str  # 自动采集 / 手工录入 / 导入
    source: str
    cumulative: bool
    recorded_at: datetime
    evidence_id: int | None
    note: str


@dataclass
class Month:
    """One month's figure: the revision in force, and the earlier ones it replaced (oldest first)."""

    month: str
    latest: Revision
    earlier: list[Revision] = field(default_factory=list)


@dataclass
class IndicatorPage:
    project_code: str
    project_name: str
    indicator: IndicatorFacts
    binding: str
    unit: str
    persons: str
    unit_responsible: str
    bar: Bar | None  # a yearly numeric target: completion against the pace, as on the project page
    other: Other | None  # anything else: its target and state in words
    chart: Chart | None
    months: list[Month]


def indicator_page(
    session: Session, code: str, indicator_code: str, as_of: date, calendar: WorkCalendar, policy: Policy
) -> IndicatorPage | None:
    facts = load_projects(session, [code])
    project = facts[0] if facts else None
    indicator = next((i for i in project.indicators if i.code == indicator_code), None) if project else None
    if project is None or indicator is None:
        return None
    verdict = indicator_verdicts(project, as_of, calendar, policy).get(indicator.code)
    bar = bar_of(indicator, as_of, verdict)
    rows = [m for code_, m in latest_figures(session, project=code) if code_ == indicator.code]
    return IndicatorPage(
        project_code=project.code,
        project_name=project.name,
        indicator=indicator,
        binding=LABELS[indicator.binding],
        unit=indicator.unit or "",
        persons="、".join(indicator.persons),
        unit_responsible=indicator.responsible_unit or "",
        bar=bar,
        other=None if bar else other_of(indicator, as_of, calendar, project),
        chart=chart_of(indicator, as_of),
        months=_months(rows),
    )


def _months(rows: list[Measurement]) -> list[Month]:
    """Newest month first; within a month the last revision is the figure in force."""
    by_month: dict[str, list[Measurement]] = {}
    for row in rows:  # ordered by month, then revision
        by_month.setdefault(row.month, []).append(row)
    months = [
        Month(month, _revision(revisions[-1]), [_revision(r) for r in revisions[:-1]])
        for month, revisions in by_month.items()
    ]
    return sorted(months, key=lambda m: m.month, reverse=True)


def _revision(row: Measurement) -> Revision:
    return Revision(
        value=row.value,
        origin=label(Origin(row.origin)),
        source=row.source_code or "",
        cumulative=row.cumulative,
        recorded_at=row.recorded_at,
        evidence_id=row.evidence_id,
        note=row.note or "",
    )
