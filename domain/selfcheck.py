"""自查: every construction standard of a plan with its verdict, the acceptance outcome and grade.

A standard is an indicator that is not ``part_of`` another; its parts (S11a, S11b of S11) are
folded into it, and the standard stands where its worst part stands. The acceptance can pass
when every binding (约束性) standard is met; the ones that are not block it. Where the plan gives
points per standard and grade bands, the expected score is the points of the standards met, and
the grade is the band that score falls in. Pure: findings and facts in, a table out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain import keys
from domain.enums import Binding, Origin, Verdict
from domain.evaluation.shared import reported
from domain.evaluation.verdicts import reporter
from domain.facts import IndicatorFacts, ProjectFacts
from domain.findings import Finding
from domain.labels import label

# Worst first: a standard with one part not met is not met, whatever its other parts say.
_WORST_FIRST = (
    Verdict.NOT_MET,
    Verdict.NOT_REPORTED,
    Verdict.BEHIND_PACE,
    Verdict.NOT_YET_DUE,
    Verdict.ON_PACE,
    Verdict.MET,
)


@dataclass(frozen=True)
class StandardPlan:
    """What the plan says of one indicator that the facts do not carry."""

    code: str
    requirement: str | None = None
    points: float | None = None
    part_of: str | None = None


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: float


@dataclass(frozen=True)
class StandardRow:
    code: str
    name: str
    binding: Binding
    requirement: str
    verdict: Verdict | None  # None: the evaluation gave no verdict (an indicator without a target)
    latest: str  # the latest figure, with its month: "2018年11月 55%"
    evidence: str  # where the figure came from, or the proof of a deliverable
    responsible: str
    points: float | None
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelfCheck:
    project: str
    name: str
    as_of: date
    rows: tuple[StandardRow, ...]
    score: float | None  # None: the plan gives no points
    full: float | None
    grade: str | None  # None: no points or no grade bands

    @property
    def blocking(self) -> tuple[StandardRow, ...]:
        """The binding standards not met: each one keeps the acceptance from passing."""
        return tuple(r for r in self.rows if r.binding is Binding.BINDING and r.verdict is not Verdict.MET)

    @property
    def passes(self) -> bool:
        return not self.blocking


def self_check(
    project: ProjectFacts,
    findings: Iterable[Finding],
    plan: Mapping[str, StandardPlan],
    grades: Sequence[GradeBand],
    as_of: date,
) -> SelfCheck:
    """The self-check of ``project`` from its findings as of ``as_of`` (the quiet verdicts included)."""
    verdicts: dict[str, list[Verdict]] = defaultdict(list)
    for finding in findings:
        code = keys.parse(finding.key).indicator_code
        if code is not None and finding.project == project.code and finding.verdict is not None:
            verdicts[code].append(finding.verdict)
    parts: dict[str, list[IndicatorFacts]] = defaultdict(list)
    for indicator in project.indicators:
        whole = plan.get(indicator.code, StandardPlan(indicator.code)).part_of
        if whole is not None:
            parts[whole].append(indicator)
    rows = tuple(
        _row(indicator, parts[indicator.code], verdicts, plan, as_of)
        for indicator in _plan_order(project.indicators)
        if plan.get(indicator.code, StandardPlan(indicator.code)).part_of is None
    )
    pointed = [r for r in rows if r.points is not None]
    if not pointed:
        return SelfCheck(project.code, project.name, as_of, rows, None, None, None)
    score = sum(r.points or 0 for r in pointed if r.verdict is Verdict.MET)
    full = sum(r.points or 0 for r in pointed)
    return SelfCheck(project.code, project.name, as_of, rows, score, full, grade_of(score, grades))


def outcome_lines(check: SelfCheck) -> list[str]:
    """The acceptance outcome and, where the plan has points, the score and grade, in words."""
    binding = sum(1 for r in check.rows if r.binding is Binding.BINDING)
    if check.passes:
        lines = [f"验收：可以通过（{binding} 项约束性标准均已达标）"]
    else:
        codes = "、".join(r.code for r in check.blocking)
        lines = [f"验收：暂不能通过，{len(check.blocking)} 项约束性标准未达标：{codes}"]
    if check.score is None:
        lines.append("得分：方案未给出各项标准的分值，无法推算得分和等级")
    else:
        grade = f"，等级：{check.grade}" if check.grade else "（方案未给出等级划分）"
        lines.append(f"预计得分：{check.score:g} 分（满分 {check.full:g} 分，只计已达标的标准）{grade}")
    return lines


def grade_of(score: float, grades: Sequence[GradeBand]) -> str | None:
    """The band ``score`` falls in: the highest whose lowest score it reaches (85 分以上（含85分）为优秀)."""
    return next((band.grade for band in grades if score >= band.min), None)


def worst(verdicts: Iterable[Verdict]) -> Verdict | None:
    found = set(verdicts)
    return next((v for v in _WORST_FIRST if v in found), None)


def _plan_order(indicators: Sequence[IndicatorFacts]) -> list[IndicatorFacts]:
    # S2 before S10: codes compared by their letters, then their number, then any suffix.
    def key(indicator: IndicatorFacts) -> tuple[str, int, str]:
        code = indicator.code
        head = code.rstrip("0123456789abcdefghijklmnopqrstuvwxyz")
        digits = "".join(c for c in code[len(head) :] if c.isdigit())
        return (head, int(digits) if digits else 0, code)

    return sorted(indicators, key=key)


def _row(
    indicator: IndicatorFacts,
    parts: list[IndicatorFacts],
    verdicts: Mapping[str, list[Verdict]],
    plan: Mapping[str, StandardPlan],
    as_of: date,
) -> StandardRow:
    members = [indicator, *parts]
    own = plan.get(indicator.code, StandardPlan(indicator.code))
    points = [p for m in members if (p := plan.get(m.code, StandardPlan(m.code)).points) is not None]
    return StandardRow(
        code=indicator.code,
        name=indicator.name,
        binding=indicator.binding,
        requirement=own.requirement or "",
        verdict=worst(v for m in members for v in verdicts.get(m.code, ())),
        latest="；".join(text for m in members if (text := _latest(m, as_of))),
        evidence="；".join(text for m in members if (text := _evidence(m, as_of))),
        responsible=reporter(indicator),
        points=sum(points) if points else None,
        parts=tuple(p.code for p in parts),
    )


def _latest(indicator: IndicatorFacts, as_of: date) -> str:
    if indicator.done:
        return f"{indicator.code} 已完成" + (f"（{indicator.done_on}）" if indicator.done_on else "")
    values = reported(indicator.values, as_of)
    if not values:
        return ""
    last = values[-1]
    year, month = last.month[:4], int(last.month[5:7])
    unit = indicator.unit or ""
    return f"{indicator.code} {year}年{month}月 {last.value:g}{'' if unit == '%' else ' '}{unit}".rstrip()


def _evidence(indicator: IndicatorFacts, as_of: date) -> str:
    if indicator.done_evidence:
        return f"{indicator.code} 佐证材料 sha256:{indicator.done_evidence[:12]}"
    if reported(indicator.values, as_of) and indicator.sources:
        return f"{indicator.code} 来自 {'、'.join(map(_source_words, indicator.sources))}"
    return ""


def _source_words(source: str) -> str:
    """ "manual" → 手工录入; a source's code stays, with its pages kept as evidence."""
    origins = {o.value for o in Origin}
    return label(Origin(source)) if source in origins else f"{source}（原始页面已存证）"
