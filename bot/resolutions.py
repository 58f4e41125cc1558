"""Why an alert cleared, in words for its "已解决" note: 销号 with its result, done, filed …

Pure: the same facts the evaluation read. An alert key starts with its subject's key, so the
note is found by the longest subject prefix; anything else cleared because the figures changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.facts import ProjectFacts
from db.enums import IndicatorKind, ItemStatus

DEFAULT_NOTE = "情况已消除"
KIND_NOTES = {
    "behind_pace": "已赶上序时进度",
    "ratio_below": "已达到要求",
    "growth_below": "增速已达到要求",
    "target_due": "已达到目标",
    "missing_figure": "数据已补报",
    "implausible_jump": "数据已核实更正",
    "negative_value": "数据已核实更正",
    "stale_source": "数据源已恢复采集",
    "collection_failed": "数据源已恢复采集",
    "report_window": "系统显示已填报",
    "no_evidence": "佐证材料已补充",
}


def cleared_notes(projects: Iterable[ProjectFacts]) -> dict[str, str]:
    """Subject key prefix → note, for everything that is closed, done or filed."""
    notes: dict[str, str] = {}
    for project in projects:
        for item in project.items:
            if item.status is ItemStatus.CLOSED:
                when = f"（{item.closed_on:%Y-%m-%d}）" if item.closed_on else ""
                result = f"：{item.result}" if item.result else ""
                notes[f"{item.subject_key}/"] = f"已销号{when}{result}"
        for indicator in project.indicators:
            if indicator.kind is IndicatorKind.DELIVERABLE and indicator.done:
                when = f"（{indicator.done_on:%Y-%m-%d}）" if indicator.done_on else ""
                proof = "，佐证材料已存证" if indicator.done_evidence else ""
                notes[f"{project.code}/indicator/{indicator.code}/"] = f"已完成{when}{proof}"
        for (source, month), filed in project.filings.items():
            if filed:
                notes[f"{project.code}/report/{source}/{month}"] = "系统显示已填报"
    return notes


def note_for(key: str, notes: dict[str, str], kind: str = "") -> str:
    """The note of the longest matching prefix, else what clearing means for the alert's kind."""
    best = ""
    for prefix in _prefixes(key):
        if prefix in notes and len(prefix) > len(best):
            best = prefix
    return notes.get(best) or KIND_NOTES.get(kind, DEFAULT_NOTE)


def _prefixes(key: str) -> list[str]:
    parts = key.split("/")
    return ["/".join(parts[:n]) + "/" for n in range(1, len(parts))] + [key]
