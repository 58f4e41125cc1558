"""An office's .xlsx as plain rows, with the traps of real ledgers dealt with before anyone reads it.

* Size: the file and its unpacked parts are checked first (:mod:`collectors.limits`), then its
  rows, columns, cells and merged ranges while streaming its XML
  (:data:`collectors.sheet_limits.LEDGER_LIMITS`) — before openpyxl creates one object per cell
  of a merged range or per row of a million-row sheet.
* Formulas: values are the results Excel saved. A formula whose result was never saved (a file
  written by a script, never opened in Excel) becomes :class:`MissingResult`, so a reader that
  needs that cell can name it; it is never read as empty or zero.
* Merged cells: offices merge 责任单位 or 整改时限 over the rows of several items. The value of a
  merged range is filled into every cell it covers, which is what the office means by merging.
* Hidden sheets are left out; each visible sheet comes back with its rows.
* Dates: Excel's 1900 or 1904 date system is kept, so a date typed as a serial number can be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from collectors.limits import TooLargeError, check_path, check_unpacked
from collectors.sheet_limits import LEDGER_LIMITS, SheetLimitError, check_sheet_limits
from domain.errors import PlanFileError


@dataclass(frozen=True)
class MissingResult:
    """A formula cell without a saved result."""

    coordinate: str
    formula: str

    def __str__(self) -> str:
        return ""


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Book:
    sheets: list[Sheet]  # visible sheets, in order
    hidden: list[str]
    epoch: datetime  # 1899-12-30 (the 1900 system) or 1904-01-01


def read_book(path: Path, *, max_bytes: int) -> Book:
    """The visible sheets of ``path`` as rows; :class:`PlanFileError` for a file that cannot be read."""
    try:
        check_path(path, max_bytes)
        check_unpacked(path, max_bytes)
        check_sheet_limits(path, LEDGER_LIMITS)
    except (TooLargeError, SheetLimitError) as exc:
        raise PlanFileError(path, str(exc)) from None
    except OSError as exc:
        raise PlanFileError(path, f"无法读取：{exc.strerror}") from None
    book = _open(path, data_only=False)
    try:
        pending = {ws.title: _formulas(ws) for ws in book.worksheets}
        hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
        epoch = book.epoch
        if any(pending.values()):  # the saved results are in the other view of the file
            book.close()
            book = _open(path, data_only=True)
        sheets = [
            Sheet(ws.title, _rows(ws, pending[ws.title])) for ws in book.worksheets if ws.title not in hidden
        ]
    finally:
        book.close()
    return Book(sheets, hidden, epoch)


def _open(path: Path, *, data_only: bool) -> Any:
    try:
        return load_workbook(path, data_only=data_only)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for a damaged or foreign file
        raise PlanFileError(
            path, f"不是可读取的 .xlsx 文件（{type(exc).__name__}）；请用 Excel 或 WPS 另存为 .xlsx 后再导入"
        ) from None


def _formulas(ws: Worksheet) -> dict[tuple[int, int], str]:
    return {
        (cell.row, cell.column): str(cell.value)
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell, Cell) and cell.data_type == "f"  # a merged cell holds no formula
    }


def _rows(ws: Worksheet, formulas: dict[tuple[int, int], str]) -> list[tuple[Any, ...]]:
    grid: list[list[Any]] = [list(row) for row in ws.iter_rows(values_only=True)]
    for (r, c), formula in formulas.items():
        if grid[r - 1][c - 1] is None or grid[r - 1][c - 1] == formula:
            grid[r - 1][c - 1] = MissingResult(ws.cell(r, c).coordinate, formula)
    for merged in ws.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(merged.min_col, min(merged.max_col, len(row)) + 1):
                row[c - 1] = top
    return [tuple(row) for row in grid]
