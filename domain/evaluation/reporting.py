"""The MOFCOM monthly report window (商务部农村电商信息系统月报, open on days 1-10).

For every source of kind ``mofcom``, last month's report is reminded on the first working day of
the window, again ``report_warn_workdays`` working days before it closes while the system still
shows 未填报, and marked missed after the window. It resolves when the system shows 已填报. An
earlier month the system showed as 未填报 stays a finding until it is filed (补报); a month nobody
checked is not declared unfiled.
"""

from __future__ import annotations

from datetime import date

from domain import keys
from domain.enums import Severity
from domain.evaluation.hygiene import LOOKBACK
from domain.evaluation.policy import Policy
from domain.evaluation.series import month_of, previous_month
from domain.facts import ProjectFacts, SourceFacts
from domain.findings import Finding, ReportWindow
from domain.keys import WINDOW_CLOSING, WINDOW_MISSED, WINDOW_OPEN
from domain.workdays import WorkCalendar

REPORTING_KINDS = frozenset({"mofcom"})
OPEN, CLOSING, MISSED = WINDOW_OPEN, WINDOW_CLOSING, WINDOW_MISSED


def window_stage(as_of: date, month_reported: str, calendar: WorkCalendar, policy: Policy) -> str | None:
    """The reminder stage for the report on ``month_reported`` as of ``as_of``, or None (not yet)."""
    first_day, last_day = policy.report_window
    current = month_of(as_of)
    if previous_month(current) != month_reported:
        return MISSED if month_reported < previous_month(current) else None
    opens = calendar.next_workday(as_of.replace(day=first_day))
    closes = as_of.replace(day=last_day)
    if as_of > closes:
        return MISSED
    if as_of < opens:
        return None
    if calendar.workdays_between(as_of, closes) <= policy.report_warn_workdays:
        return CLOSING
    return OPEN


def reporting_window(
    project: ProjectFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    findings: list[Finding] = []
    for source in project.sources:
        if source.kind not in REPORTING_KINDS:
            continue
        findings.extend(_source(project, source, as_of, calendar, policy))
    return findings


def _source(
    project: ProjectFacts, source: SourceFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    last = previous_month(month_of(as_of))
    first = month_of(project.plan_start) if project.plan_start else "0000-00"
    # Last month's report always; an earlier month only where the system was seen to say 未填报 —
    # a month nobody checked is not declared unfiled.
    unfiled = {m for (code, m), filed in project.filings.items() if code == source.code and not filed}
    earlier = sorted((m for m in unfiled if first <= m < last), reverse=True)[: LOOKBACK - 1]
    months = [*earlier, last]
    findings: list[Finding] = []
    for month in sorted(months):
        if project.filings.get((source.code, month)):
            continue
        stage = window_stage(as_of, month, calendar, policy)
        if stage is None:
            continue
        closes = _close_date(month, policy)
        findings.append(
            ReportWindow(
                key=str(keys.report(project.code, source.code, month)),
                project=project.code,
                severity=Severity.CRITICAL if stage != OPEN else Severity.WARNING,
                subject=f"{int(month[:4])}年{int(month[5:7])}月月报",
                stage=stage,
                due=closes,
                workdays_left=calendar.workdays_between(as_of, closes),
                escalate=False,
                month=month,
                source=source.name or source.code,
                checked=(source.code, month) in project.filings,
                window=policy.report_window,
            )
        )
    return findings


def _close_date(month_reported: str, policy: Policy) -> date:
    year, number = int(month_reported[:4]), int(month_reported[5:7])
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return date(year, number, policy.report_window[1])
