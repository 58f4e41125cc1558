"""Alternatives (A 或 B): a requirement met by either of two figures.

闻喜's S34 asks 占地面积 0.5–5 平方公里 "或者建筑面积在 50 万平方米以上": two figures, each its
own indicator, either of which meets the standard. The plan lists the other indicators under
``alternatives``. Each indicator is judged on its own first; then, when any indicator of such a
group is met, every other one of the group is met too — quietly, saying by which — so neither
reminds about a figure the standard does not need. When none is met, each keeps its own verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.enums import Verdict
from domain.evaluation.verdicts import requirement_of, standing
from domain.facts import IndicatorFacts
from domain.findings import Finding, TargetMet
from domain.keys import parse


def apply_alternatives(indicators: Sequence[IndicatorFacts], findings: list[Finding]) -> list[Finding]:
    """``findings`` with the verdicts of every group that has a met member turned to met."""
    groups = [(i.code, *i.alternatives) for i in indicators if i.alternatives]
    if not groups:
        return findings
    by_code = {i.code: i for i in indicators}
    verdicts: dict[str, int] = {}  # indicator code → index of its (county-wide) verdict finding
    for index, finding in enumerate(findings):
        if finding.verdict is not None and (key := parse(finding.key)).subject.parts[1:] == ():
            verdicts.setdefault(key.indicator_code or "", index)
    out = list(findings)
    for members in groups:
        met = [c for c in members if c in verdicts and findings[verdicts[c]].verdict is Verdict.MET]
        if not met:
            continue
        by = by_code[met[0]]
        for code in members:
            if code in met or code not in verdicts:
                continue
            indicator, old = by_code[code], findings[verdicts[code]]
            target = indicator.target
            out[verdicts[code]] = standing(
                TargetMet,
                indicator,
                old.key,
                requirement=requirement_of(indicator, target) if target is not None else None,
                amount=None,
                month=None,
                basis=f"按备选要求 {by.code} {by.name} 已达标",
            )
    return out
