"""A target's requirement — its comparator and figures — judged and worded in one place.

``≥ > ≤ < =``, ``between`` (both ends included, 3–5 个) and ``approx`` (约 2000 平米: within
``tolerance`` % of the target, 5 % unless the plan says otherwise). A floor (``≥``, ``>``) is
what a growing figure reaches, so only a floor is held against a pace during the year; the other
comparators are judged when the target falls due. A rank (unit 名) is a ceiling: 前 3 名 is ≤ 3.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Comparator

DEFAULT_TOLERANCE = 5.0  # percent of the target, for "approx" written without one
RANK_UNIT = "名"  # a rank entered by hand (全市第 1 名): judged with ≤ (前 3 名) or = (第 1 名)

_WORDS = {
    Comparator.GE: "不少于",
    Comparator.GT: "高于",
    Comparator.LE: "不超过",
    Comparator.LT: "低于",
    Comparator.EQ: "达到",
}


@dataclass(frozen=True)
class Requirement:
    comparator: Comparator
    target: float
    high: float | None = None  # the upper end of "between"
    tolerance: float | None = None  # "approx": allowed deviation, in % of the target

    def met(self, value: float) -> bool:
        c, target = self.comparator, self.target
        if c is Comparator.GE:
            return value >= target
        if c is Comparator.GT:
            return value > target
        if c is Comparator.LE:
            return value <= target
        if c is Comparator.LT:
            return value < target
        if c is Comparator.EQ:
            return abs(value - target) <= 1e-9 * max(1.0, abs(target))
        if c is Comparator.BETWEEN:
            return target <= value <= (self.high if self.high is not None else value)
        return abs(value - target) <= abs(target) * self.allowed / 100

    @property
    def allowed(self) -> float:
        return self.tolerance if self.tolerance is not None else DEFAULT_TOLERANCE

    @property
    def floor(self) -> bool:
        """A minimum to reach (≥, >): the kind of target a pace applies to."""
        return self.comparator in (Comparator.GE, Comparator.GT)

    @property
    def exceeded(self) -> bool:
        """A ceiling (≤, <): once a growing figure is over it, waiting cannot help."""
        return self.comparator in (Comparator.LE, Comparator.LT)

    def words(self, unit: str) -> str:
        """The requirement as a plan writes it: 不少于 5 家, 在 3–5 个, 约 2,000 平方米（±5%）."""
        gap = "" if unit in ("", "%") else " "  # 60%, 5 家
        amount = f"{number(self.target)}{gap}{unit}"
        if self.comparator is Comparator.BETWEEN and self.high is not None:
            return f"在 {number(self.target)}–{number(self.high)}{gap}{unit}"
        if self.comparator is Comparator.APPROX:
            return f"约 {amount}（允许偏差 ±{self.allowed:g}%）"
        if unit == RANK_UNIT and self.comparator in (Comparator.LE, Comparator.EQ):
            # A rank: smaller is better, so "不超过 3 名" is how no office writes it.
            place = number(self.target)
            return (
                f"第 {place} 名" if self.comparator is Comparator.EQ or self.target == 1 else f"前 {place} 名"
            )
        return f"{_WORDS.get(self.comparator, '不少于')} {amount}"


def number(value: float) -> str:
    """A figure as the messages write it: 15,000 or 0.5."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
