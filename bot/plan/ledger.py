"""Read an office's Excel ledger (台账) of rectification items.

Offices vary the headers: 反馈问题 or 问题, 整改时限 or 完成时限, 整改结果 or 整改进展. The header
row is found among the first rows by its 序号 and 问题 columns; a title row above it that names a
year (“……整改台账（2023年）”) gives the year for deadlines written as ``10月底``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from bot.errors import PlanFileError
from bot.plan.schema import ItemSpec

HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "problem": ("反馈问题", "问题", "存在问题", "问题描述", "发现问题"),
    "measures": ("整改措施", "措施"),
    "units": ("责任单位", "牵头单位"),
    "persons": ("责任人",),
    "deadline": ("整改时限", "完成时限", "时限"),
    "result": ("整改结果", "整改进展", "进展情况", "整改情况"),
    "status": ("销号情况", "是否销号", "状态"),
    "batch": ("批次", "问题来源"),
}
REQUIRED = ("number", "problem", "deadline")
HEADER_SEARCH_ROWS = 10
_YEAR = re.compile(r"(20\d{2})\s*年")


def _clean(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))) if value is not None else ""


def _header_map(row: tuple[Any, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    cells = [_clean(v) for v in row]
    for fieldname, names in HEADERS.items():
        for index, cell in enumerate(cells):
            if cell in names and fieldname not in found:
                found[fieldname] = index
    return found


def read_ledger(path: Path, *, year: int | None = None) -> list[ItemSpec]:
    """Parse every item row; the first bad cell raises :class:`PlanFileError` with row and header."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a variety of zip/xml errors for a damaged file
        raise PlanFileError(path, f"不是可读取的 .xlsx 文件（{type(exc).__name__}）") from None
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    header_index, columns = _find_header(path, rows)
    title_year = next(
        (int(m.group(1)) for row in rows[:header_index] for v in row if v and (m := _YEAR.search(str(v)))),
        None,
    )
    context = {"year": title_year or year}
    items: list[ItemSpec] = []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = {name: _cell(row, index) for name, index in columns.items()}
        if not any(values.values()):
            continue
        try:
            items.append(ItemSpec.model_validate(_drop_empty(values), context=context))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "problem"
            header = HEADERS.get(field, (field,))[0]
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "不能为空"
            raise PlanFileError(path, message, row=offset, field=header) from None
    if not items:
        raise PlanFileError(path, "台账中没有任何整改事项", row=header_index + 2)
    return items


def _find_header(path: Path, rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _header_map(row)
        if "number" in columns and "problem" in columns:
            missing = [HEADERS[name][0] for name in REQUIRED if name not in columns]
            if missing:
                raise PlanFileError(path, f"表头缺少列：{'、'.join(missing)}", row=index + 1)
            return index, columns
    raise PlanFileError(path, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（需要“序号”和“反馈问题”列）")


def _cell(row: tuple[Any, ...], index: int) -> Any:
    value = row[index] if index < len(row) else None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return value if isinstance(value, date) else (str(value) if value is not None else None)


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
