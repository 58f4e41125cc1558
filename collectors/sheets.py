"""Spreadsheet bytes → rows of cells, for .xlsx (openpyxl), .xls (xlrd) and .csv. Pure functions.

Cells come back as Python values: numbers stay numbers, Excel dates become datetimes, CSV cells
stay text (``"1,234.5"`` is parsed later, with the rest).

Every kind is held to :data:`collectors.sheet_limits.INBOX_LIMITS` before its rows exist: an
``.xlsx`` by streaming its XML first, an ``.xls`` by the sizes xlrd found (its rows kept ragged,
never padded), a CSV row by row as it is read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import xlrd
from openpyxl.utils import get_column_letter

from collectors.encoding import EncodingError, decode
from collectors.figures import Cell
from collectors.sheet_limits import INBOX_LIMITS, SheetLimitError, SheetLimits, check_sheet_limits

Sheet = tuple[str, list[list[Cell]]]


class SheetError(ValueError):
    pass


def read_sheets(body: bytes, name: str, *, encoding: str | None = None) -> list[Sheet]:
    suffix = name.lower().rsplit(".", 1)[-1]
    if not body:
        raise SheetError("文件是空的（0 字节），可能未传完")
    try:
        if suffix == "csv":
            return [("CSV", _csv(body, encoding, INBOX_LIMITS))]
        if suffix == "xlsx":
            return _xlsx(body, INBOX_LIMITS)
        if suffix == "xls":
            return _xls(body, INBOX_LIMITS)
    except SheetLimitError as exc:
        raise SheetError(str(exc)) from None
    raise SheetError(f"不支持的文件类型 .{suffix}（可用 .xlsx、.xls、.csv）")


def _csv(body: bytes, encoding: str | None, limits: SheetLimits) -> list[list[Cell]]:
    try:
        text = decode(body, forced=encoding, candidates=())
    except (EncodingError, UnicodeDecodeError, LookupError) as exc:
        raise SheetError(f"CSV 文字无法解码：{exc}") from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[Cell]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            _within(limits, number, len(row), "CSV")
            cells += len(row)
            if cells > limits.cells:
                raise SheetLimitError(f"单元格总数超过{limits.what}上限（{limits.cells} 个）；请拆成几个文件")
            rows.append(list(row))
    except csv.Error as exc:  # a stray carriage return or NUL inside a field
        raise SheetError(f"CSV 第 {reader.line_num} 行无法解析：{exc}") from None
    return rows


def _within(limits: SheetLimits, row: int, columns: int, sheet: str) -> None:
    if row > limits.rows:
        raise SheetLimitError(f"工作表“{sheet}”第 {row} 行超过{limits.what}上限（{limits.rows} 行）")
    if columns > limits.columns:
        raise SheetLimitError(
            f"工作表“{sheet}”第 {row} 行有 {columns} 列，超过{limits.what}上限（{limits.columns} 列）"
        )


def _cell(value: object) -> Cell:
    """A value as the parsers take it; the rarer kinds (a time of day, a duration) become the text
    the parsers would make of them anyway."""
    if value is None or isinstance(value, str | int | float | date):
        return value
    return str(value)


def _xlsx(body: bytes, limits: SheetLimits) -> list[Sheet]:
    check_sheet_limits(body, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl fails on foreign bytes with zip, XML, key and type errors alike
        raise SheetError(f"不是有效的 .xlsx 文件（{exc.__class__.__name__}），文件可能损坏或未传完") from None
    try:
        sheets = [
            (ws.title, [[_cell(value) for value in row] for row in _rows_as_written(ws)])
            for ws in book.worksheets
        ]
    finally:
        book.close()
    if _has_formulas(body):
        _check_formula_results(body, sheets)
    return sheets


def _rows_as_written(ws: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only sheet as its cells say, not as its declared dimension claims: a
    dimension of A1:XFD3001 pads each of 3,000 short rows to 16,384 cells (400 MB of None)."""
    if hasattr(ws, "reset_dimensions"):  # a chart sheet has no rows
        ws.reset_dimensions()
    return iter(ws.iter_rows(values_only=True)) if hasattr(ws, "iter_rows") else iter(())


def _has_formulas(body: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        parts = [info for info in archive.infolist() if info.filename.startswith("xl/worksheets/")]
        return any(b"<f" in archive.read(info) for info in parts)


def _check_formula_results(body: bytes, sheets: list[Sheet]) -> None:
    """A formula whose result was never saved reads as empty: refuse it, naming the cell."""
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=False)
    try:
        for ws, (title, values) in zip(book.worksheets, sheets, strict=True):
            for r, row in enumerate(_rows_as_written(ws)):
                for c, cell in enumerate(row):
                    saved = values[r][c] if r < len(values) and c < len(values[r]) else None
                    if isinstance(cell, str) and cell.startswith("=") and saved is None:
                        raise SheetError(
                            f"工作表“{title}”单元格 {get_column_letter(c + 1)}{r + 1} 是公式（{cell[:40]}），"
                            "但文件中没有保存计算结果；请在 Excel 或 WPS 中打开并保存一次"
                        )
    finally:
        book.close()


def _xls(body: bytes, limits: SheetLimits) -> list[Sheet]:
    try:  # ragged rows: a far cell does not pad every row to its column
        book = xlrd.open_workbook(file_contents=body, ragged_rows=True)
    except Exception as exc:  # xlrd fails on foreign bytes with struct, index and assertion errors alike
        raise SheetError(f"不是有效的 .xls 文件（{type(exc).__name__}），文件可能损坏或未传完") from None
    sheets: list[Sheet] = []
    cells = 0
    for ws in book.sheets():
        rows: list[list[Cell]] = []
        for r in range(ws.nrows):
            _within(limits, r + 1, ws.row_len(r), ws.name)
            cells += ws.row_len(r)
            if cells > limits.cells:
                raise SheetLimitError(f"单元格总数超过{limits.what}上限（{limits.cells} 个）；请拆成几个文件")
            row: list[Cell] = []
            for c in range(ws.row_len(r)):
                cell = ws.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(None)
                else:
                    row.append(cell.value)
            rows.append(row)
        sheets.append((ws.name, rows))
    return sheets
