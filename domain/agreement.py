"""How far two sources' figures for the same month may differ: the plan's ``agree_within``.

Written as a share (``5%``: of the larger figure) or as an amount in the indicator's own unit
(``20``). The plan is read with :func:`parse_agree_within`; the database keeps the text
:class:`AgreeWithin` gives back, so what is stored reads like what was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.amounts import exact_amount

_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[%％]\s*$")
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class AgreeWithin:
    limit: float
    share: bool  # True: a percentage of the larger figure; False: an amount in the indicator's unit

    def __str__(self) -> str:
        return f"{exact_amount(self.limit)}%" if self.share else exact_amount(self.limit)

    def allows(self, first: float, second: float) -> bool:
        gap = abs(first - second)
        return (percent_of_larger(first, second) if self.share else gap) <= self.limit


def percent_of_larger(first: float, second: float) -> float:
    """The difference as a percentage of the larger figure (0 when both are 0)."""
    larger = max(abs(first), abs(second))
    return abs(first - second) / larger * 100 if larger else 0.0


def parse_agree_within(value: object) -> AgreeWithin:
    """``5%`` / ``5％`` → a share; ``20`` / 20 → an amount; anything else is refused, not guessed."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return AgreeWithin(float(value), share=False)
    if isinstance(value, str):
        if match := _SHARE.match(value):
            return AgreeWithin(float(match[1]), share=True)
        if match := _AMOUNT.match(value):
            return AgreeWithin(float(match[1]), share=False)
    raise ValueError(
        f"agree_within 写成“{value}”看不懂：请写百分比（如 5%，按两个数中较大的算）"
        "或指标单位下的数额（如 20）"
    )
