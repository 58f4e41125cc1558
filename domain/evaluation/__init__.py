"""The judgement: plan facts + an as-of date in, findings out. Pure: no I/O, no clock.

One module per family of rules, each with its rules in plain words at the top:
:mod:`deadlines` (items and deliverables), :mod:`targets` (numeric targets and pace),
:mod:`rates` (ratios and growth), :mod:`hygiene` (missing, stale, failed, odd figures),
:mod:`agreement` (two sources disagreeing on a month) and
:mod:`reporting` (the MOFCOM report window). :func:`evaluate` runs them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from domain import keys
from domain.enums import IndicatorKind
from domain.evaluation.agreement import disagreements
from domain.evaluation.alternatives import apply_alternatives
from domain.evaluation.average_growth import evaluate_average_growth
from domain.evaluation.deadlines import evaluate_deliverable, evaluate_item
from domain.evaluation.hygiene import missing_figures, odd_values, source_health
from domain.evaluation.policy import Policy
from domain.evaluation.rates import evaluate_growth, evaluate_ratio
from domain.evaluation.recurring import evaluate_recurring
from domain.evaluation.relative import against_reference
from domain.evaluation.reporting import reporting_window
from domain.evaluation.targets import evaluate_numeric
from domain.evaluation.verdicts import before_issue
from domain.facts import IndicatorFacts, ProjectFacts
from domain.findings import Finding
from domain.workdays import WorkCalendar

__all__ = ["Policy", "evaluate", "evaluate_project"]


def evaluate(
    projects: Iterable[ProjectFacts],
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
    *,
    quiet: bool = False,
) -> list[Finding]:
    """Every finding for ``projects`` as of the end of ``as_of``, most urgent first.

    Every target has exactly one verdict among them; ``quiet`` keeps the verdicts that need no
    reminder (met, on pace, not yet due), which are left out by default: alerts, messages, the
    web page and the summaries only ever see findings worth telling.
    """
    findings: list[Finding] = []
    for project in projects:
        findings.extend(evaluate_project(project, as_of, calendar, policy.for_project(project.settings)))
    if not quiet:
        findings = [f for f in findings if not f.quiet]
    return sorted(findings, key=Finding.sort_key)


def evaluate_project(
    project: ProjectFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[Finding]:
    """Every finding for one project, the quiet verdicts included."""
    findings: list[Finding] = []
    issued = project.rectification_issued
    for item in project.items if issued is None or as_of >= issued else ():  # no plan, no reminder
        if (finding := evaluate_item(item, as_of, calendar, policy)) is not None:
            findings.append(finding)
    by_code = {i.code: i for i in project.indicators}
    for indicator in project.indicators:
        if indicator.item is not None and issued is not None and as_of < issued:
            findings.append(before_issue(indicator, issued))  # set by a plan not issued yet
            continue
        start, end = indicator.start(project.plan_start), indicator.end(project.plan_end)
        if indicator.kind is IndicatorKind.DELIVERABLE:
            if indicator.recurs is not None:
                findings.append(evaluate_recurring(indicator, start, end, as_of, calendar, policy))
            else:
                findings.append(evaluate_deliverable(indicator, as_of, calendar, policy))
            continue
        findings += _judge(indicator, by_code, start, end, as_of, calendar, policy)
        findings += missing_figures(project, indicator, as_of, policy)
        findings += odd_values(indicator, as_of, policy)
        findings += disagreements(project, indicator, as_of)
    findings = apply_alternatives(project.indicators, findings)
    if any(i.due_text for i in project.indicators):  # else no key needs reading back (most plans)
        findings = [_worded_due(f, by_code) for f in findings]
    findings += source_health(project, as_of, policy)
    findings += reporting_window(project, as_of, calendar, policy)
    return findings


def _judge(
    indicator: IndicatorFacts,
    by_code: dict[str, IndicatorFacts],
    start: date | None,
    end: date | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
) -> list[Finding]:
    """The verdict(s) of one numeric, ratio or growth target over its own window."""
    if indicator.figure:
        return []  # a reference figure only: the targets held to it have the verdicts
    if indicator.kind is IndicatorKind.GROWTH:
        if indicator.average:
            return [evaluate_average_growth(indicator, by_code, as_of, policy.missing_after_day)]
        return evaluate_growth(indicator, by_code, as_of, end, policy.missing_after_day)
    if indicator.reference:
        resolved = against_reference(indicator, by_code, as_of, end, policy.missing_after_day)
        if not isinstance(resolved, IndicatorFacts):
            return [resolved]
        indicator = resolved
    if indicator.kind is IndicatorKind.RATIO:
        return evaluate_ratio(indicator, as_of, calendar, policy, end)
    return evaluate_numeric(indicator, start, end, as_of, calendar, policy)


def _worded_due(finding: Finding, by_code: Mapping[str, IndicatorFacts]) -> Finding:
    """A finding on a month-only due date ("2019年10月份前") says it as the plan did."""
    code = keys.parse(finding.key).indicator_code
    indicator = by_code.get(code) if code else None
    if indicator is None or not indicator.due_text or finding.due != indicator.due:
        return finding
    return replace(finding, due_text=indicator.due_words)
