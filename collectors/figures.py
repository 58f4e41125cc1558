"""Rows → figures, the same for every kind of source. Pure functions.

Two shapes of report exist in the wild and both are read here:

* **month rows** — one row per month (or per day or order, summed per month), one column per
  figure: a platform's 月度经营数据 page, a shop backend's export;
* **label rows** — one page per month, one row per indicator, the value in a column such as
  ``本月`` or ``本年累计``: the MOFCOM monthly report.

Per figure, the source's ``fields`` setting may say the unit its numbers are in (when the header
does not) and whether it is cumulative (year to date) or the month alone::

    fields:
      网络零售额: {unit: 元, cumulative: true}
      农产品网络零售额: {column: 本年累计, cumulative: true}   # label_rows: another value column
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from collectors.base import Figure, FigureSpec
from collectors.fetched import Fetched
from collectors.numbers import NumberFormatError, UnitError, convert, normalise_text, parse_number
from domain.errors import LayoutError

_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:月|[-/.]\d{1,2}日?)?"),
    re.compile(r"^(\d{4})(\d{2})(?:\d{2})?$"),
)
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "累计", "全年", "汇总", "平均"})

Cell = str | float | int | date | datetime | None


@dataclass(frozen=True)
class FieldOptions:
    unit: str | None  # the unit the numbers are in when the header does not say
    cumulative: bool
    column: str | None = None  # label_rows: the value column for this figure (本年累计)


def field_options(settings: Mapping[str, Any], label: str) -> FieldOptions:
    """The ``fields`` entry for ``label`` (matched after normalisation) over source defaults."""
    fields = settings.get("fields") or {}
    wanted = normalise_text(label)
    options = next((v for k, v in fields.items() if normalise_text(str(k)) == wanted), None) or {}
    return FieldOptions(
        unit=options.get("unit"),
        cumulative=bool(options.get("cumulative", settings.get("cumulative", False))),
        column=options.get("column"),
    )


def is_total(text: Cell) -> bool:
    return isinstance(text, str) and normalise_text(text) in TOTAL_WORDS


def month_of(cell: Cell, source: str, where: str = "") -> str:
    """``2023年9月``, ``2023-09``, ``2023/9/15``, ``202309``, a date → ``2023-09``."""
    if isinstance(cell, datetime | date):
        return f"{cell.year:04d}-{cell.month:02d}"
    text = normalise_text(str(cell if cell is not None else ""))
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    raise LayoutError(source, f"{where}月份“{cell}”无法识别")


def value_of(cell: Cell, *, page_unit: str | None, spec: FigureSpec, source: str, where: str) -> float | None:
    """The cell as a number in the indicator's unit; None for a blank ("—", "/", "")."""
    try:
        if isinstance(cell, bool | date | datetime):
            raise NumberFormatError(str(cell))
        value = float(cell) if isinstance(cell, int | float) else parse_number(str(cell or ""))
        if value is None:
            return None
        return convert(value, page_unit or spec.unit, spec.unit)
    except (NumberFormatError, UnitError) as exc:
        raise LayoutError(source, f"{where}：{exc}") from None


@dataclass(frozen=True)
class Located:
    """One value as found: the cell, its month, where it was, and the bytes it came from."""

    month: str
    cell: Cell
    where: str
    evidence: Fetched


def sum_by_month(
    spec: FigureSpec,
    found: Iterable[Located],
    *,
    page_unit: str | None,
    cumulative: bool,
    source: str,
    aggregate: bool,
) -> list[Figure]:
    """Figures for one indicator; ``aggregate`` sums rows of one month (daily rows, orders).

    Without ``aggregate`` a month listed twice with different values is a layout error: which
    one is right cannot be told. A month whose cells are all blank yields no figure — never 0.
    """
    totals: dict[str, tuple[float, Located, int]] = {}
    parts: dict[str, list[tuple[Fetched, str, float]]] = {}
    for item in found:
        value = value_of(item.cell, page_unit=page_unit, spec=spec, source=source, where=item.where)
        if value is None:
            continue
        if item.month in totals:
            previous, first, count = totals[item.month]
            if not aggregate:
                if previous != value:
                    raise LayoutError(source, f"{item.month} 的“{spec.label}”出现两次且数值不同")
                continue
            totals[item.month] = (previous + value, first, count + 1)
        else:
            totals[item.month] = (value, item, 1)
        parts.setdefault(item.month, []).append((item.evidence, item.where, value))
    figures = []
    for month, (value, first, count) in sorted(totals.items()):
        where = first.where if count == 1 else f"{first.where} 等 {count} 行之和"
        summed = tuple(parts[month]) if count > 1 else ()
        figures.append(
            Figure(
                spec.indicator,
                month,
                round(value, 6),
                spec.unit,
                cumulative,
                first.evidence,
                where=where,
                parts=summed,
            )
        )
    return figures
