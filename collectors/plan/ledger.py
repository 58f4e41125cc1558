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

from openpyxl.utils.datetime import from_excel
from openpyxl.utils.escape import unescape
from pydantic import ValidationError

from collectors.limits import DEFAULT_MAX_BYTES
from collectors.plan.legacy_book import LEGACY_SUFFIXES, read_legacy_book
from collectors.plan.workbook import Book, MissingResult, read_book
from domain.errors import PlanFileError
from domain.plan.schema import ItemSpec, LocatedError
from domain.plan.text import TextError, clean_text

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
SERIAL_RANGE = (36526, 73050)  # Excel 1900 system: 2000-01-01 … 2099-12-31
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


LEDGER_SUFFIXES = (".xlsx", ".xlsm", *LEGACY_SUFFIXES)


def open_book(path: Path, *, max_bytes: int) -> Book:
    """Any ledger format as the same rows: .xlsx/.xlsm through openpyxl, .xls/.et through calamine."""
    if path.suffix.lower() in LEGACY_SUFFIXES:
        return read_legacy_book(path, max_bytes=max_bytes)
    return read_book(path, max_bytes=max_bytes)


def read_ledger(path: Path, *, year: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ItemSpec]:
    """Parse every item row; the first bad cell raises :class:`PlanFileError` with row and header."""
    items, errors = read_ledger_rows(path, year=year, max_bytes=max_bytes)
    if errors:
        raise errors[0]
    return items


def read_ledger_rows(
    path: Path, *, year: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[ItemSpec], list[PlanFileError]]:
    """The good item rows and, for each bad row, its error (row and header named), for a preview.

    A file that cannot be read as a ledger at all still raises :class:`PlanFileError`. The ledger
    is the one visible sheet with a header row (a 说明 sheet beside it is fine); two such sheets
    are refused rather than one picked at random.
    """
    book = open_book(path, max_bytes=max_bytes)
    found = [(sheet, header) for sheet in book.sheets if (header := _find_header(path, sheet.rows))]
    if not found:
        hidden = f"（隐藏的工作表 {'、'.join(book.hidden)} 不读取）" if book.hidden else ""
        raise PlanFileError(
            path, f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（需要“序号”和“反馈问题”列）{hidden}"
        )
    if len(found) > 1:
        names = "、".join(f"“{sheet.name}”" for sheet, _ in found)
        raise PlanFileError(path, f"工作表 {names} 都有台账表头；一个文件只放一张台账，请拆开后分别导入")
    sheet, (header_index, columns) = found[0]
    rows = sheet.rows
    title_year = next(
        (int(m.group(1)) for row in rows[:header_index] for v in row if v and (m := _YEAR.search(str(v)))),
        None,
    )
    context = {"year": title_year or year}
    items: list[ItemSpec] = []
    errors: list[PlanFileError] = []
    seen: dict[tuple[str, str], int] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        try:
            item = _item(path, offset, row, columns, book.epoch, context)
        except PlanFileError as error:
            errors.append(error)
            continue
        if item is None:
            continue
        key = (item.batch, item.number)
        if key in seen:
            errors.append(
                PlanFileError(
                    path,
                    f"序号 {item.number} 与第 {seen[key]} 行重复（合并了“序号”单元格？）",
                    row=offset,
                    field="序号",
                )
            )
            continue
        seen[key] = offset
        items.append(item)
    if not items and not errors:
        raise PlanFileError(path, "台账中没有任何整改事项", row=header_index + 2)
    return items, errors


def _item(
    path: Path,
    offset: int,
    row: tuple[Any, ...],
    columns: dict[str, int],
    epoch: datetime,
    context: dict[str, Any],
) -> ItemSpec | None:
    """One row as an item, None for an empty row; a bad cell raises, naming the row and header."""
    values = {name: _cell(path, offset, name, row, index, epoch) for name, index in columns.items()}
    if not any(values.values()):
        return None
    try:
        return ItemSpec.model_validate(_drop_empty(values), context=context)
    except ValidationError as exc:
        error = exc.errors()[0]
        failed = str(error["loc"][0]) if error["loc"] else "problem"
        located = (error.get("ctx") or {}).get("error")
        if isinstance(located, LocatedError) and located.loc:
            failed = str(located.loc[0])
        column = HEADERS.get(failed, (failed,))[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "不能为空"
        raise PlanFileError(path, message, row=offset, field=column) from None


def _find_header(path: Path, rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _header_map(row)
        if "number" in columns and "problem" in columns:
            missing = [HEADERS[name][0] for name in REQUIRED if name not in columns]
            if missing:
                raise PlanFileError(path, f"表头缺少列：{'、'.join(missing)}", row=index + 1)
            return index, columns
    return None


def _cell(path: Path, row_number: int, name: str, row: tuple[Any, ...], index: int, epoch: datetime) -> Any:
    """One cell as the item schema wants it; a cell that cannot mean anything raises, naming it."""
    value = row[index] if index < len(row) else None

    def refuse(problem: str) -> PlanFileError:
        return PlanFileError(path, problem, row=row_number, field=HEADERS[name][0])

    if isinstance(value, MissingResult):
        return _raise(
            refuse(
                f"单元格 {value.coordinate} 是公式（{value.formula[:40]}），但文件中没有保存计算结果；"
                "请在 Excel 或 WPS 中打开并保存一次，或把公式改成数值"
            )
        )
    if isinstance(value, bool):
        return _raise(refuse(f"是逻辑值 {value}，应为文字"))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float) and name == "deadline":
        return _serial_date(value, epoch, refuse)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:  # Excel writes a line break's CR, and any control character, as _x000D_
            return clean_text(unescape(value)).strip() or None
        except TextError as exc:
            return _raise(refuse(str(exc)))
    return value if isinstance(value, date) else (str(value) if value is not None else None)


def _serial_date(value: float, epoch: datetime, refuse: Any) -> date | str:
    """A deadline typed as a number: 20231015, or an Excel date serial shown without date format."""
    if float(value).is_integer() and 19000101 <= value <= 21001231:
        return str(int(value))  # 20231015, read by the date parser
    if float(value).is_integer() and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
        day: date = from_excel(value, epoch).date()
        return day
    raise refuse(
        f"数字 {value:g} 不是日期：Excel 的日期序号应在 {SERIAL_RANGE[0]}（2000年）"
        f"到 {SERIAL_RANGE[1]}（2099年）之间；请把单元格设为日期格式，或写成 2023年10月15日"
    )


def _raise(error: Exception) -> Any:
    raise error


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
