"""An office's .xls or WPS .et ledger as the same plain rows as an .xlsx (:mod:`collectors.plan.workbook`).

Both are the old compound-document (BIFF) workbooks; python-calamine (a maintained Rust reader)
reads them, so no binary format is parsed here. What :func:`collectors.plan.workbook.read_book`
promises holds for these too: the file's size is checked before it is opened, each sheet's rows
and columns before its cells become Python objects, merged ranges are filled into every cell they
cover, hidden sheets are left out, and dates come back as dates. These formats keep every
formula's last result, so there is no :class:`~collectors.plan.workbook.MissingResult` here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from collectors.limits import TooLargeError, check_path
from collectors.plan.workbook import Book, Sheet
from collectors.sheet_limits import LEDGER_LIMITS
from domain.errors import PlanFileError

LEGACY_SUFFIXES = (".xls", ".et")
EPOCH_1900 = datetime(1899, 12, 30)  # calamine turns date cells into dates; the epoch is for serials


def read_legacy_book(path: Path, *, max_bytes: int) -> Book:
    """The visible sheets of an ``.xls`` or ``.et`` file as rows; :class:`PlanFileError` if unreadable."""
    try:
        check_path(path, max_bytes)
    except TooLargeError as exc:
        raise PlanFileError(path, str(exc)) from None
    except OSError as exc:
        raise PlanFileError(path, f"无法读取：{exc.strerror}") from None
    try:
        book = CalamineWorkbook.from_path(str(path))
        shown = [m.name for m in book.sheets_metadata if m.visible == SheetVisibleEnum.Visible]
        hidden = [m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible]
        sheets = [Sheet(name, _rows(path, book, name)) for name in shown]
    except (CalamineError, ValueError, OSError) as exc:  # a damaged file, or not a workbook at all
        raise PlanFileError(
            path,
            f"不是可读取的 {path.suffix} 文件（{type(exc).__name__}）；"
            "请用 Excel 或 WPS 另存为 .xlsx 后再导入",
        ) from None
    return Book(sheets, hidden, EPOCH_1900)


def _rows(path: Path, book: CalamineWorkbook, name: str) -> list[tuple[Any, ...]]:
    sheet = book.get_sheet_by_name(name)
    top, left = sheet.start or (0, 0)
    height, width = top + sheet.height, left + sheet.width  # empty rows above the data count too
    if height > LEDGER_LIMITS.rows or width > LEDGER_LIMITS.columns:
        raise PlanFileError(
            path,
            f"工作表“{name}”有 {height} 行 {width} 列，超过{LEDGER_LIMITS.what}的上限"
            f"（{LEDGER_LIMITS.rows} 行、{LEDGER_LIMITS.columns} 列）",
        )
    grid: list[list[Any]] = [
        [None if v == "" else v for v in row] for row in sheet.to_python(skip_empty_area=False)
    ]
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        if top >= len(grid):
            continue
        value = grid[top][left] if left < len(grid[top]) else None
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value
    return [tuple(row) for row in grid]
