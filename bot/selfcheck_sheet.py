"""The self-check as a workbook a clerk opens in WPS or Excel: one row per standard, then the outcome."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from domain.labels import label
from domain.selfcheck import SelfCheck, outcome_lines

HEADER = ("代码", "标准", "属性", "要求", "判定", "最新数值", "来源/佐证", "责任人", "分值")
WIDTHS = (8, 24, 8, 48, 12, 24, 28, 24, 8)


def write_selfcheck(check: SelfCheck, path: Path) -> None:
    """Write ``check`` to ``path`` (.xlsx), replacing the file whole."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "自查"
    sheet.append((f"{check.name}（{check.project}）建设标准自查，评估日 {check.as_of}",))
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in check.rows:
        sheet.append(
            (
                row.code,
                row.name,
                label(row.binding),
                row.requirement,
                label(row.verdict) if row.verdict else "无判定",
                row.latest,
                row.evidence,
                row.responsible,
                row.points,
            )
        )
    sheet.append(())
    for line in outcome_lines(check):
        sheet.append((line,))
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    partial = path.with_name(path.name + ".part")
    book.save(partial)
    partial.replace(path)
