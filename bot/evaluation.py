"""The judgement: plan facts + an as-of date in, findings out. Pure: no I/O, no clock.

Rules, in plain words (the messages repeat them):

* A rectification item with a deadline is reminded at the configured working-day offsets before
  it (default 5, 3, 1 and on the day); after the deadline it is overdue, unless it is an ongoing
  duty (并长期坚持), which is never "overdue". A closed item (销号) is never reminded.
* A yearly numeric target is compared with the year-to-date figure at the latest reported month.
  Pace (序时进度) is linear: by the end of month *m* the year needs *m*/12 of its target. With
  December reported, the year is judged: met or missed.
* A deliverable is reminded like an item while it is not done, and is overdue after its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.facts import IndicatorFacts, ItemFacts, MonthValue, ProjectFacts
from bot.findings import Finding, FindingKind, Severity
from bot.workdays import WorkCalendar
from db.enums import Binding, Comparator, IndicatorKind, ItemStatus, PeriodKind


@dataclass(frozen=True)
class Policy:
    reminder_workdays: tuple[int, ...] = (5, 3, 1, 0)

    def stage(self, workdays_left: int) -> str | None:
        """The reminder step a number of working days falls in, or None if too early to remind."""
        if workdays_left < 0:
            return "overdue"
        steps = [n for n in sorted(self.reminder_workdays) if n >= workdays_left]
        if not steps:
            return None
        return "due" if steps[0] == 0 else f"remind-{steps[0]}"


def evaluate(
    projects: Iterable[ProjectFacts], as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    """Every finding for ``projects`` as of the end of ``as_of``, most urgent first."""
    findings: list[Finding] = []
    for project in projects:
        for item in project.items:
            if (finding := evaluate_item(item, as_of, calendar, policy)) is not None:
                findings.append(finding)
        for indicator in project.indicators:
            findings.extend(evaluate_indicator(indicator, as_of, calendar, policy))
        for source, error in project.failed_sources:
            findings.append(
                Finding(
                    key=f"{project.code}/source/{source}/collection",
                    project=project.code,
                    kind=FindingKind.COLLECTION_FAILED,
                    severity=Severity.WARNING,
                    subject=f"数据源 {source} 采集失败",
                    stage="failed",
                    detail={"error": error},
                )
            )
    return sorted(findings, key=Finding.sort_key)


def evaluate_item(item: ItemFacts, as_of: date, calendar: WorkCalendar, policy: Policy) -> Finding | None:
    if item.status is ItemStatus.CLOSED or item.deadline is None:
        return None
    left = calendar.workdays_between(as_of, item.deadline)
    if as_of > item.deadline:
        if item.ongoing:
            return None
        left = min(left, -1)
    stage = policy.stage(left)
    if stage is None:
        return None
    kind = {"overdue": FindingKind.OVERDUE, "due": FindingKind.DEADLINE_TODAY}.get(
        stage, FindingKind.DEADLINE_APPROACHING
    )
    severity = Severity.WARNING if kind is FindingKind.DEADLINE_APPROACHING else Severity.CRITICAL
    label = f"{item.batch}问题{item.number}" if item.batch else f"问题{item.number}"
    return Finding(
        key=f"{item.project}/item/{item.batch or '-'}/{item.number}/deadline/{item.deadline}",
        project=item.project,
        kind=kind,
        severity=severity,
        subject=label,
        stage=stage,
        persons=item.persons,
        units=item.units,
        due=item.deadline,
        workdays_left=left,
        detail={
            "problem": item.problem,
            "deadline_text": item.deadline_text,
            "overdue_days": (as_of - item.deadline).days if as_of > item.deadline else 0,
        },
    )


def evaluate_indicator(
    indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    if indicator.kind is IndicatorKind.DELIVERABLE:
        return _deliverable(indicator, as_of, calendar, policy)
    if indicator.kind is IndicatorKind.NUMERIC and indicator.period is PeriodKind.PER_YEAR:
        return _yearly_target(indicator, as_of)
    return []  # ratios, growth and multi-year targets are judged by later rules


def _deliverable(
    indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    if indicator.done or indicator.due is None:
        return []
    left = calendar.workdays_between(as_of, indicator.due)
    if as_of > indicator.due:
        left = min(left, -1)
    stage = policy.stage(left)
    if stage is None:
        return []
    overdue = stage == "overdue"
    return [
        Finding(
            key=f"{indicator.project}/indicator/{indicator.code}/deliverable/{indicator.due}",
            project=indicator.project,
            kind=FindingKind.DELIVERABLE_OVERDUE if overdue else FindingKind.DELIVERABLE_DUE,
            severity=_severity(indicator.binding, overdue),
            subject=f"{indicator.code} {indicator.name}",
            stage=stage,
            persons=indicator.persons,
            units=(indicator.responsible_unit,) if indicator.responsible_unit else (),
            due=indicator.due,
            workdays_left=left,
            detail={"binding": indicator.binding.value},
        )
    ]


def year_to_date(values: Iterable[MonthValue], year: int) -> tuple[float, int] | None:
    """(year-to-date amount, last reported month) from monthly or cumulative values."""
    in_year = [v for v in values if v.month.startswith(f"{year:04d}-")]
    if not in_year:
        return None
    last = max(in_year, key=lambda v: v.month)
    amount = last.value if last.cumulative else sum(v.value for v in in_year if not v.cumulative)
    return amount, int(last.month[5:7])


def _yearly_target(indicator: IndicatorFacts, as_of: date) -> list[Finding]:
    reported = [v for v in indicator.values if v.month < f"{as_of:%Y-%m}"]
    if not reported:
        return []
    year = int(max(v.month for v in reported)[:4])
    target = indicator.year_targets.get(year, indicator.target)
    ytd = year_to_date(reported, year)
    if target is None or ytd is None or indicator.comparator is not Comparator.GE:
        return []
    amount, month = ytd
    required = target * month / 12
    detail = {
        "year": year,
        "month": month,
        "amount": amount,
        "target": target,
        "unit": indicator.unit,
        "required": required,
        "completion": amount / target * 100 if target else None,
        "gap": required - amount,
        "gap_points": (required - amount) / target * 100 if target else 0,
        "forecast": amount / month * 12,
        "sources": list(indicator.sources),
        "binding": indicator.binding.value,
    }
    base = dict(
        project=indicator.project,
        subject=f"{indicator.code} {indicator.name}",
        persons=indicator.persons,
        detail=detail,
        units=(indicator.responsible_unit,) if indicator.responsible_unit else (),
    )
    if month == 12:
        if amount >= target:
            return []
        return [
            Finding(
                key=f"{indicator.project}/indicator/{indicator.code}/missed/{year}",
                kind=FindingKind.TARGET_MISSED,
                stage="missed",
                severity=_severity(indicator.binding, True),
                **base,
            )
        ]  # type: ignore[arg-type]
    if amount >= required:
        return []
    return [
        Finding(
            key=f"{indicator.project}/indicator/{indicator.code}/pace/{year}",
            kind=FindingKind.BEHIND_PACE,
            stage=f"month-{month:02d}",
            severity=_severity(indicator.binding, False),
            **base,
        )
    ]  # type: ignore[arg-type]


def _severity(binding: Binding, serious: bool) -> Severity:
    if binding is Binding.EXPECTED:
        return Severity.WARNING if serious else Severity.INFO
    return Severity.CRITICAL if serious else Severity.WARNING
