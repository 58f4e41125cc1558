"""The 整改台账 as an Excel workbook: a title row, then the county's own columns.

The columns are the ones offices keep (序号, 反馈问题, 整改措施, 责任单位, 责任人, 整改时限,
整改结果, 销号情况), so the file reads like their ledger and ``duban import`` reads it back; a
问题来源 column is added only when the plan has batches (昭化's 复核组 and 评价组 both have a 问题1).
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.exports.content import Content, Row

COLUMNS = (
    ("序号", 7),
    ("反馈问题", 40),
    ("整改措施", 48),
    ("责任单位", 18),
    ("责任人", 10),
    ("整改时限", 16),
    ("整改结果", 48),
    ("销号情况", 10),
)
BATCH_COLUMN = ("问题来源", 10)
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def ledger_title(content: Content) -> str:
    day = content.as_of
    return f"{content.name}整改台账（截至{day.year}年{day.month}月{day.day}日）"


def write_ledger(content: Content) -> bytes:
    """The workbook's bytes: one sheet 整改台账, title in row 1, headers in row 2, items below."""
    batched = any(row.batch for row in content.rows)
    columns = COLUMNS + ((BATCH_COLUMN,) if batched else ())
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "整改台账"
    sheet.append([ledger_title(content)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([name for name, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5EE")
        cell.border, cell.alignment = _BOX, Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in content.rows:
        sheet.append(_cells(row, batched))
        for cell in sheet[sheet.max_row]:
            cell.border, cell.alignment = _BOX, _WRAP
    sheet.freeze_panes = "A3"  # the headers stay in sight while scrolling a long ledger
    sheet.print_title_rows = "2:2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cells(row: Row, batched: bool) -> list[str]:
    cells = [
        row.number,
        row.problem,
        row.measures,
        "、".join(row.units),
        "、".join(row.persons),
        row.deadline_text,
        row.result,
        row.status,
    ]
    return [*cells, row.batch] if batched else cells
