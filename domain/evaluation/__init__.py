"""The judgement: plan facts + an as-of date in, findings out. Pure: no I/O, no clock.

One module per family of rules, each with its rules in plain words at the top:
:mod:`deadlines` (items and deliverables), :mod:`targets` (numeric targets and pace),
:mod:`rates` (ratios and growth), :mod:`hygiene` (missing, stale, failed, odd figures) and
:mod:`reporting` (the MOFCOM report window). :func:`evaluate` runs them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from domain import keys
from domain.enums import IndicatorKind
from domain.evaluation.alternatives import apply_alternatives
from domain.evaluation.deadlines import evaluate_deliverable, evaluate_item
from domain.evaluation.hygiene import missing_figures, odd_values, source_health
from domain.evaluation.policy import Policy
from domain.evaluation.rates import evaluate_growth, evaluate_ratio
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
        if indicator.kind is IndicatorKind.DELIVERABLE:
            findings.append(evaluate_deliverable(indicator, as_of, calendar, policy))
            continue
        if indicator.kind is IndicatorKind.NUMERIC:
            findings += evaluate_numeric(
                indicator, project.plan_start, project.plan_end, as_of, calendar, policy
            )
        elif indicator.kind is IndicatorKind.RATIO:
            findings += evaluate_ratio(indicator, as_of, calendar, policy, project.plan_end)
        elif indicator.kind is IndicatorKind.GROWTH:
            findings += evaluate_growth(indicator, by_code, as_of, project.plan_end, policy.missing_after_day)
        findings += missing_figures(project, indicator, as_of, policy)
        findings += odd_values(indicator, as_of, policy)
    findings = [_worded_due(f, by_code) for f in apply_alternatives(project.indicators, findings)]
    findings += source_health(project, as_of, policy)
    findings += reporting_window(project, as_of, calendar, policy)
    return findings


def _worded_due(finding: Finding, by_code: Mapping[str, IndicatorFacts]) -> Finding:
    """A finding on a month-only due date ("2019年10月份前") says it as the plan did."""
    code = keys.parse(finding.key).indicator_code
    indicator = by_code.get(code) if code else None
    if indicator is None or not indicator.due_text or finding.due != indicator.due:
        return finding
    return replace(finding, due_text=indicator.due_words)
