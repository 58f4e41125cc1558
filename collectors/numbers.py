"""Numbers and units as Chinese report pages print them. Pure functions."""

from __future__ import annotations

import math
import re
import unicodedata

# Cells that mean "not reported": never read as zero.
BLANKS = frozenset({"", "-", "—", "——", "--", "/", "／", "无", "暂无", "N/A", "n/a"})

_SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3}
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(万|亿|千)?\s*(%|％)?$")

# Each unit as a multiple of its base unit; only units sharing a base convert into each other.
UNITS: dict[str, tuple[str, float]] = {
    "元": ("元", 1.0),
    "万元": ("元", 1e4),
    "亿元": ("元", 1e8),
    "人": ("人", 1.0),
    "人次": ("人次", 1.0),
    "万人次": ("人次", 1e4),
    "个": ("个", 1.0),
    "家": ("家", 1.0),
    "件": ("件", 1.0),
    "万件": ("件", 1e4),
    "单": ("单", 1.0),
    "万单": ("单", 1e4),
    "平方米": ("平方米", 1.0),
    "平方公里": ("平方米", 1e6),
    "%": ("%", 1.0),
}


class NumberFormatError(ValueError):
    def __init__(self, text: str) -> None:
        self.text = text
        shown = text if len(text) <= 40 else text[:39] + "…"
        super().__init__(f"“{shown}”不是数字")


class UnitError(ValueError):
    def __init__(self, source: str, target: str) -> None:
        super().__init__(f"无法把单位“{source}”换算为“{target}”")


def normalise_text(text: str) -> str:
    """NFKC folds full-width digits and brackets; whitespace goes (网络零售额（万元） → 网络零售额(万元))."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_number(text: str) -> float | None:
    """``"1,234.5"`` → 1234.5, ``"12.3万"`` → 123000.0, ``"—"`` → None; anything else raises."""
    cleaned = normalise_text(text).replace(",", "")
    if cleaned in BLANKS:
        return None
    match = _NUMBER.match(cleaned)
    if not match:
        raise NumberFormatError(text)
    value = float(match.group(1))
    if match.group(2):
        value *= _SCALE[match.group(2)]
    if not math.isfinite(value):  # "9" * 400 is a float overflow, not a figure
        raise NumberFormatError(text)
    return value


def convert(value: float, source: str, target: str) -> float:
    """Convert between units of the same base (元 ↔ 万元 ↔ 亿元); equal units pass through."""
    if source == target:
        return value
    try:
        source_base, source_factor = UNITS[source]
        target_base, target_factor = UNITS[target]
    except KeyError:
        raise UnitError(source, target) from None
    if source_base != target_base:
        raise UnitError(source, target)
    return value * source_factor / target_factor


def unit_in_header(header: str) -> str | None:
    """The unit written in a header's brackets: ``网络零售额（万元）`` → ``万元``."""
    match = re.search(r"\(([^()]+)\)\s*$", normalise_text(header))
    return match.group(1) if match else None
