"""What the pages show, read from the database into plain rows for the templates.

Progress against target and pace uses the same rules as the messages (:mod:`bot.evaluation`), so
the page and the WeCom group never disagree about whether an indicator is behind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from db import runs
from db.alerts import open_alerts
from db.facts_loader import load_projects
from db.measurements import latest_figures
from db.models import Alert, JobRun
from db.plan import items_of, projects
from db.replies import submissions_of
from domain.enums import (
    AlertState,
    FindingKind,
    IndicatorKind,
    ItemStatus,
    RunStatus,
    Severity,
    SubmissionState,
)
from domain.evaluation import Policy, evaluate_project
from domain.evaluation.compare import RANK_UNIT, Requirement
from domain.evaluation.recurring import progress_words
from domain.evaluation.targets import year_progress
from domain.facts import IndicatorFacts, ProjectFacts
from domain.findings import Finding
from domain.keys import natural_key
from domain.keys import parse as parse_key
from domain.labels import COUNT_LABELS as COUNT_LABELS  # the templates read them from here
from domain.labels import JOB_LABELS as JOB_LABELS
from domain.labels import LABELS, label, labels_of
from domain.selfcheck import outcome_lines
from domain.workdays import OFFICE_TZ, WorkCalendar
from jobs.selfcheck import selfcheck_of

TRIGGER_LABELS = {"manual": "命令行", "web": "网页", "scheduled": "定时", "catch-up": "补跑", "demo": "演示"}
STATUS_LABELS = labels_of(RunStatus)  # the templates look states up by their stored text
STATE_LABELS = labels_of(AlertState)


@dataclass
class Figure:
    month: str
    value: float
    evidence_id: int | None


@dataclass
class Bar:
    """One indicator's progress: completion of the year's target, and where the pace line is."""

    code: str
    name: str
    binding: str
    unit: str
    target: float
    amount: float
    month: int
    completion: float  # % of the year's target reached
    pace: float  # % of the target the pace (序时进度) requires by now
    tone: str  # ok | info | warning | critical: the colour
    verdict: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Other:
    code: str
    name: str
    binding: str
    target: str
    state: str


@dataclass
class Item:
    label: str
    problem: str
    persons: str
    deadline: str
    state: str
    tone: str
    id: int | None = None  # its page: /items/{id}
    pending: int = 0  # results submitted through a reply link, waiting for review


@dataclass
class ProjectPage:
    code: str
    name: str
    bars: list[Bar]
    others: list[Other]
    items: list[Item]
    alerts: list[Alert]
    acceptance: list[str] = field(default_factory=list)  # the self-check's outcome and grade, in words


def project_codes(session: Session) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in projects(session)]


def project_page(
    session: Session, code: str, as_of: date, calendar: WorkCalendar, policy: Policy
) -> ProjectPage | None:
    facts = load_projects(session, [code])
    if not facts:
        return None
    project = facts[0]
    evidence = _figures(session, code)
    verdicts = indicator_verdicts(project, as_of, calendar, policy)
    bars: list[Bar] = []
    others: list[Other] = []
    for indicator in project.indicators:
        bar = bar_of(indicator, as_of, verdicts.get(indicator.code))
        if bar is not None:
            bar.figures = evidence.get(indicator.code, [])
            bars.append(bar)
        else:
            others.append(other_of(indicator, as_of, calendar, project))
    return ProjectPage(
        code=project.code,
        name=project.name,
        bars=bars,
        others=others,
        items=_items(session, code, as_of, calendar),
        alerts=_alerts(session, code),
        acceptance=_acceptance(session, project, as_of, calendar, policy),
    )


def indicator_verdicts(
    project: ProjectFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> dict[str, Finding]:
    """Each indicator's most urgent finding of the evaluation the messages are made from."""
    verdicts: dict[str, Finding] = {}
    for finding in evaluate_project(project, as_of, calendar, policy.for_project(project.settings)):
        indicator_code = parse_key(finding.key).indicator_code
        if indicator_code is not None:
            verdicts.setdefault(indicator_code, finding)  # most urgent first
    return verdicts


def _acceptance(
    session: Session, project: ProjectFacts, as_of: date, calendar: WorkCalendar, policy: Policy
) -> list[str]:
    if not project.indicators:
        return []
    check = selfcheck_of(session, project, as_of=as_of, calendar=calendar, policy=policy)
    return outcome_lines(check)


def bar_of(indicator: IndicatorFacts, as_of: date, finding: Finding | None) -> Bar | None:
    if indicator.kind is not IndicatorKind.NUMERIC:
        return None
    progress = year_progress(indicator, as_of)
    if progress is None:
        return None
    if finding is not None:
        tone, verdict = finding.severity.value, label(finding.kind)
    else:
        tone = "ok"
        verdict = "已完成年度目标" if progress.amount >= progress.target else "达到序时进度"
    return Bar(
        code=indicator.code,
        name=indicator.name,
        binding=LABELS[indicator.binding],
        unit=indicator.unit or "",
        target=progress.target,
        amount=progress.amount,
        month=progress.month,
        completion=progress.completion,
        pace=progress.pace,
        tone=tone,
        verdict=verdict,
    )


def other_of(indicator: IndicatorFacts, as_of: date, calendar: WorkCalendar, project: ProjectFacts) -> Other:
    if indicator.recurs is not None:  # 每月报送: how many periods are in, and the next one's date
        start, end = indicator.start(project.plan_start), indicator.end(project.plan_end)
        state = progress_words(indicator, start, end, as_of) if start and end else "方案未给出期间"
        return Other(
            indicator.code,
            indicator.name,
            LABELS[indicator.binding],
            f"定期报送（{label(indicator.recurs)}）",
            state,
        )
    if indicator.kind is IndicatorKind.DELIVERABLE:
        if indicator.done:
            state = "已完成"
        elif indicator.due is None:
            state = "未完成"
        elif indicator.due < as_of:
            state = f"逾期（时限 {indicator.due}）"
        else:
            state = f"时限 {indicator.due}，剩 {calendar.workdays_between(as_of, indicator.due)} 个工作日"
        target = "建设任务"
    else:
        unit = indicator.unit or ""
        high = f"～{indicator.target_high:g}" if indicator.target_high is not None else ""
        target = (
            f"{LABELS[indicator.comparator]} {indicator.target:g}{high} {unit}" if indicator.target else ""
        )
        if unit == RANK_UNIT and indicator.target is not None:  # 前 3 名, as the messages say it
            target = Requirement(indicator.comparator, indicator.target).words(unit)
        if indicator.reference:  # 不少于政府引导资金: the figure it is held to, by its code
            plus = f" + {indicator.target:g} {unit}" if indicator.target else ""
            target = f"{LABELS[indicator.comparator]} {indicator.reference}{plus}"
        latest = indicator.values[-1] if indicator.values else None
        state = f"{latest.month}：{latest.value:g} {unit}" if latest else "暂无数据"
    return Other(indicator.code, indicator.name, LABELS[indicator.binding], target, state)


def _figures(session: Session, code: str) -> dict[str, list[Figure]]:
    """Each indicator's latest figure per month, with the evidence it came from."""
    rows = latest_figures(session, project=code)
    latest: dict[str, dict[str, Figure]] = {}
    for indicator, m in rows:
        latest.setdefault(indicator, {})[m.month] = Figure(m.month, m.value, m.evidence_id)
    return {k: list(v.values()) for k, v in latest.items()}


def _items(session: Session, code: str, as_of: date, calendar: WorkCalendar) -> list[Item]:
    rows = items_of(session, code=code)
    waiting = Counter(
        s.item_id
        for s in submissions_of(session, item_ids=[r.id for r in rows if r.id is not None])
        if s.state is SubmissionState.PENDING
    )
    items = []
    for r in rows:
        if r.status is ItemStatus.CLOSED:
            state, tone = label(ItemStatus.CLOSED), "done"
        elif r.deadline is None:
            state, tone = f"{label(ItemStatus.OPEN)}（无时限）", "info"
        elif r.deadline < as_of:
            state, tone = (
                ("长期坚持", "info") if r.ongoing else (f"逾期 {(as_of - r.deadline).days} 天", "critical")
            )
        else:
            left = calendar.workdays_between(as_of, r.deadline)
            state, tone = f"剩 {left} 个工作日", "warning" if left <= 5 else "ok"
        heading = f"{r.batch}问题{r.number}" if r.batch else f"问题{r.number}"
        problem = shortened(r.problem)
        deadline = r.deadline_text or (str(r.deadline) if r.deadline else "")
        pending = waiting.get(r.id, 0) if r.id is not None else 0
        items.append(Item(heading, problem, "、".join(r.persons), deadline, state, tone, r.id, pending))
    order = {"critical": 0, "warning": 1, "ok": 2, "info": 3, "done": 4}
    return sorted(items, key=lambda i: (order[i.tone], natural_key(i.label)))


def shortened(problem: str) -> str:
    """A problem as a list line shows it: the first 58 characters of a long one, then ……"""
    return problem if len(problem) <= 60 else problem[:58] + "……"


def _alerts(session: Session, code: str) -> list[Alert]:
    rows = open_alerts(session, project=code)
    return sorted(rows, key=lambda a: (Severity(a.severity).rank, natural_key(a.subject)))


def alert_kind(alert: Alert) -> str:
    try:
        return label(FindingKind(alert.kind))
    except ValueError:
        return alert.kind


def recent_runs(session: Session, limit: int = 10) -> list[JobRun]:
    """The latest runs people started or the schedule started (not their inner stages)."""
    return runs.recent_runs(session, limit=limit, top_level=True)


def local(moment: datetime | None) -> str:
    return f"{moment.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}" if moment else ""
