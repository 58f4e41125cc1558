"""Why an alert cleared, in words for its "已解决" note: 销号 with its result, done, filed …

Pure: the same facts the evaluation read. An alert key starts with its subject's key, so the
clearing is found by the longest subject prefix. Not every disappearance is good news: an open
item whose deadline moved, or last year's missed target, closes quietly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from domain import keys
from domain.enums import FindingKind, IndicatorKind, ItemStatus
from domain.facts import ProjectFacts
from domain.keys import MISSED, Question

DEFAULT_NOTE = "情况已消除"
KIND_NOTES: dict[str, str] = {
    FindingKind.BEHIND_PACE: "已赶上序时进度",
    FindingKind.RATIO_BELOW: "已达到要求",
    FindingKind.GROWTH_BELOW: "增速已达到要求",
    FindingKind.TARGET_DUE: "已达到目标",
    FindingKind.MISSING_FIGURE: "数据已补报",
    FindingKind.IMPLAUSIBLE_JUMP: "数据已核实更正",
    FindingKind.NEGATIVE_VALUE: "数据已核实更正",
    FindingKind.DATA_MISMATCH: "两处数据已核对一致",
    FindingKind.STALE_SOURCE: "数据源已恢复采集",
    FindingKind.COLLECTION_FAILED: "数据源已恢复采集",
    FindingKind.NO_EVIDENCE: "佐证材料已补充",
    FindingKind.NOT_REPORTED: "数值已报送，目标已达到",
}


@dataclass(frozen=True)
class Clearing:
    """How an alert whose finding is gone is closed: ``quiet`` closes it without a "已解决" note,
    because the question was not answered — it moved (a new deadline) or lapsed (a past year)."""

    note: str
    quiet: bool = False


LAPSED = Clearing("考核期已过，结果已归档", quiet=True)


def clearings(projects: Iterable[ProjectFacts]) -> dict[str, Clearing]:
    """Subject key prefix → how its alerts close, for every item, deliverable and filed report."""
    found: dict[str, Clearing] = {}
    for project in projects:
        for item in project.items:
            prefix = keys.item(item.project, item.batch, item.number).prefix
            if item.status is ItemStatus.CLOSED:
                when = f"已于{_cn_date(item.closed_on)}销号" if item.closed_on else "已销号"
                result = f"，整改结果：{item.result.strip().rstrip('。；;')}" if item.result else ""
                found[prefix] = Clearing(f"{when}{result}")
            else:  # still open, so its old alert went away only because the deadline changed
                now = item.deadline.isoformat() if item.deadline else "长期坚持"
                found[prefix] = Clearing(f"整改时限已调整为 {now}", quiet=True)
        for indicator in project.indicators:
            if indicator.kind is not IndicatorKind.DELIVERABLE:
                continue
            subject = keys.indicator(project.code, indicator.code)
            if indicator.done:
                when = f"已于{_cn_date(indicator.done_on)}完成" if indicator.done_on else "已完成"
                proof = "，佐证材料已存证" if indicator.done_evidence else ""
                found[subject.prefix] = Clearing(f"{when}{proof}")
            else:
                found[subject.key(Question.DELIVERABLE) + keys.SEP] = Clearing("完成时限已调整", quiet=True)
        for (source, month), filed in project.filings.items():
            if filed:
                found[str(keys.report(project.code, source, month))] = Clearing("系统显示已填报")
    # Equal clearings become one object: a national run has 80,000 subjects but a few hundred
    # distinct notes, and a parallel worker's half then pickles each note once instead of per subject.
    shared: dict[Clearing, Clearing] = {}
    return {prefix: shared.setdefault(how, how) for prefix, how in found.items()}


def clearing_for(key: str, found: dict[str, Clearing], kind: str = "", stage: str = "") -> Clearing:
    """The clearing of the longest matching prefix; else a lapsed verdict closes quietly, and
    anything else cleared because the figures changed."""
    best = ""
    for prefix in keys.prefixes(key):
        if prefix in found and len(prefix) > len(best):
            best = prefix
    if best:
        return found[best]
    if kind == FindingKind.TARGET_MISSED or stage == MISSED:
        return LAPSED
    if kind == FindingKind.REPORT_WINDOW:  # no row says 已填报: the month left the window unchecked
        return Clearing("未能核实填报状态，请到系统中确认", quiet=True)
    return Clearing(KIND_NOTES.get(kind, DEFAULT_NOTE))


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
