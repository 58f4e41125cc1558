"""Write ``pianguan-ledger.xlsx``, the 台账 an office keeps, from ``pianguan.yaml`` beside it.

The sheet looks like the ones counties really send: a merged title row, the usual eight columns,
deadlines typed as text the way the plan words them — except for a couple of rows where someone
entered a real Excel date, because real ledgers mix both. It is the fixture for the ledger importer.

Run from anywhere: ``python examples/make_ledger.py``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
PLAN = HERE / "pianguan.yaml"
LEDGER = HERE / "pianguan-ledger.xlsx"

TITLE = "偏关县乡村e镇建设项目中期绩效评价反馈问题整改台账（2023年）"
# (header, column width in characters)
COLUMNS = (
    ("序号", 6),
    ("反馈问题", 40),
    ("整改措施", 60),
    ("责任单位", 26),
    ("责任人", 12),
    ("整改时限", 16),
    ("整改结果", 30),
    ("销号情况", 10),
)
# Items whose 整改时限 is entered as a date cell rather than as text.
DATE_CELL_ITEMS = frozenset({"13", "16"})
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def deadline_cell(text: str, *, as_date: bool) -> str | date:
    """The 整改时限 as an office types it: the plan's words without its PDF spacing, or a date."""
    compact = re.sub(r"\s+", "", text)
    if not as_date:
        return compact
    match = _FULL_DATE.fullmatch(compact)
    if match is None:
        raise ValueError(f"整改时限“{text}”不是完整日期，不能写成日期单元格")
    year, month, day = (int(part) for part in match.groups())
    return date(year, month, day)


def ledger_rows(plan: dict[str, Any]) -> list[list[Any]]:
    """One row per rectification item, in the column order of ``COLUMNS``."""
    rows: list[list[Any]] = []
    for item in plan["rectification"]["items"]:
        number = str(item["number"])
        rows.append(
            [
                int(number),
                item["problem"].strip(),
                item.get("measures", "").strip(),
                "、".join(item.get("units", [])),
                "、".join(item.get("persons", [])),
                deadline_cell(item["deadline"], as_date=number in DATE_CELL_ITEMS),
                "",
                "未销号",
            ]
        )
    return rows


def write_ledger(rows: list[list[Any]], path: Path) -> None:
    """Write the title, the header and ``rows`` to a new workbook at ``path``."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "整改台账"
    last_column = get_column_letter(len(COLUMNS))

    sheet.append([TITLE])
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30

    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    body = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = body
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT

    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    workbook.save(path)


def main() -> None:
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    rows = ledger_rows(plan)
    write_ledger(rows, LEDGER)
    print(f"{LEDGER}: {len(rows)} 行")


if __name__ == "__main__":
    main()
