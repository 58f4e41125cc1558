"""Nasty Excel ledgers: refused naming the row and the header, or read the way the office meant.

Every refusal leaves the database as it was (compared row by row), and a ledger that fails at the
database (its project does not exist) takes the plan file imported with it back out too.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.wiring import App
from domain.errors import PlanFileError
from jobs.import_plans import import_files
from tests.badfiles import HEADER, ledger, ledger_rows, patch_zip, sparse
from tests.dbdump import dump
from tests.test_plan_import import MINIMAL, items

PLAN = MINIMAL.split("rectification:")[0]


@pytest.fixture
def project(app: App, tmp_path: Path) -> App:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    import_files(app.engine, [plan])
    return app


def refused(app: App, path: Path, words: str, *, row: int | None = None, field: str | None = None) -> str:
    before = dump(app.engine)
    with pytest.raises(PlanFileError) as caught:
        import_files(app.engine, [path], project="demo", max_bytes=2 * 1024 * 1024)
    error = caught.value
    assert words in str(error), str(error)
    assert (error.row, error.field) == (row, field) or row is None
    assert dump(app.engine) == before
    return str(error)


def row_with(**cells: Any) -> list[Any]:
    row = ledger_rows(1)[0]
    for header, value in cells.items():
        row[HEADER.index(header)] = value
    return row


# --- files that are not ledgers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "不是可读取的 .xlsx"),
        (bytes(range(256)) * 40, "不是可读取的 .xlsx"),
        (b"PK\x03\x04" + b"\x00" * 200, "不是可读取的 .xlsx"),
        ("序号,反馈问题\n1,问题".encode("gbk"), "不是可读取的 .xlsx"),  # a CSV renamed .xlsx
    ],
    ids=["empty", "binary garbage", "broken zip", "csv renamed"],
)
def test_files_that_are_not_workbooks(project: App, tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "台账.xlsx"
    path.write_bytes(content)
    refused(project, path, words)


def test_a_50_mb_ledger_is_refused_by_its_size(project: App, tmp_path: Path) -> None:
    path = sparse(tmp_path / "台账.xlsx", 50 * 1024 * 1024)
    assert "50.0 MB" in refused(project, path, "太大")


def test_a_zip_bomb_is_refused_by_its_unpacked_size(project: App, tmp_path: Path) -> None:
    path = ledger(tmp_path / "台账.xlsx")
    patch_zip(path, {}, extra={"xl/media/padding.bin": b"\x00" * (25 * 1024 * 1024)})
    assert path.stat().st_size < 200_000
    refused(project, path, "解压后的表格内容太大")


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        (lambda ws: ws.delete_rows(1, ws.max_row), "找不到表头"),
        (lambda ws: ws.delete_rows(3, ws.max_row), "没有任何整改事项"),
        (lambda ws: ws.cell(6000, 1, "x"), "超过台账上限"),
    ],
    ids=["empty sheet", "header only", "6000 rows"],
)
def test_empty_and_oversized_sheets(project: App, tmp_path: Path, shape: Any, words: str) -> None:
    refused(project, ledger(tmp_path / "台账.xlsx", shape=shape), words)


# --- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "field", "words"),
    [
        ({"整改时限": 123}, "整改时限", "不是日期"),
        ({"整改时限": 99999}, "整改时限", "不是日期"),
        ({"整改时限": 45214.5}, "整改时限", "不是日期"),
        ({"整改时限": "3023年10月15日"}, "整改时限", "3023"),
        ({"整改时限": date(1900, 1, 1)}, "整改时限", "1900"),
        ({"反馈问题": True}, "反馈问题", "逻辑值"),
        ({"反馈问题": "长" * 6000}, "反馈问题", "文字太长"),
        ({"责任人": "高权" * 3000}, "责任人", "文字太长"),
    ],
    ids=[
        "serial 123",
        "serial 2173",
        "fractional serial",
        "year 3023",
        "date 1900",
        "boolean",
        "long",
        "long names",
    ],
)
def test_bad_cells_name_their_row_and_header(
    project: App, tmp_path: Path, cells: dict, field: str, words: str
) -> None:
    refused(project, ledger(tmp_path / "台账.xlsx", [row_with(**cells)]), words, row=3, field=field)


def test_an_excel_date_serial_in_the_deadline_column_is_a_date(project: App, tmp_path: Path) -> None:
    """45214 is 2023-10-15 in Excel's 1900 system: a date cell that lost its date format."""
    import_files(project.engine, [ledger(tmp_path / "台账.xlsx", [row_with(整改时限=45214)])], project="demo")
    assert items(project)["1"].deadline == date(2023, 10, 15)


def test_a_formula_without_a_saved_result_is_an_error_naming_the_cell(project: App, tmp_path: Path) -> None:
    path = ledger(tmp_path / "台账.xlsx", [row_with(整改时限="=DATE(2023,10,15)")])
    assert "F3" in refused(project, path, "没有保存计算结果", row=3, field="整改时限")


def test_a_formula_with_its_saved_result_reads_the_result(project: App, tmp_path: Path) -> None:
    path = ledger(tmp_path / "台账.xlsx", [row_with(整改时限="=DATE(2023,10,15)")])
    patch_zip(path, {b"</f><v></v>": b"</f><v>45214</v>"})  # what Excel saves beside the formula
    import_files(project.engine, [path], project="demo")
    assert items(project)["1"].deadline == date(2023, 10, 15)


def test_control_characters_are_refused_and_word_line_breaks_kept(project: App, tmp_path: Path) -> None:
    bell = ledger(tmp_path / "台账.xlsx", [row_with(反馈问题="PLACEHOLDER")])
    patch_zip(bell, {b"PLACEHOLDER": b"\xe9\x97\xae_x0007_\xe9\xa2\x98"})  # how Excel stores U+0007
    refused(project, bell, "U+0007", row=3, field="反馈问题")
    wrapped = ledger(tmp_path / "台账2.xlsx", [row_with(反馈问题="PLACEHOLDER")])
    patch_zip(wrapped, {b"PLACEHOLDER": b"line1_x000D_\nline2_x000B_line3"})
    import_files(project.engine, [wrapped], project="demo")
    assert items(project)["1"].problem == "line1\r\nline2\nline3"


# --- layout --------------------------------------------------------------------------------------


def merge_units(ws: Worksheet) -> None:
    ws.merge_cells("D3:D5")  # one 责任单位 written once for three items
    ws.merge_cells("F4:F5")


def test_merged_cells_fill_every_row_they_cover(project: App, tmp_path: Path) -> None:
    rows = ledger_rows(3)
    rows[1][HEADER.index("整改时限")] = "2023年11月15日"
    import_files(project.engine, [ledger(tmp_path / "台账.xlsx", rows, shape=merge_units)], project="demo")
    imported = items(project)
    assert [imported[n].units for n in "123"] == [["县商务局"]] * 3
    assert [imported[n].deadline for n in "123"] == [
        date(2023, 10, 31),
        date(2023, 11, 15),
        date(2023, 11, 15),
    ]


def test_a_merged_number_is_a_duplicate_not_a_silent_overwrite(project: App, tmp_path: Path) -> None:
    path = ledger(tmp_path / "台账.xlsx", ledger_rows(2), shape=lambda ws: ws.merge_cells("A3:A4"))
    refused(project, path, "与第 3 行重复", row=4, field="序号")


def test_the_ledger_sheet_is_found_behind_an_instructions_sheet(project: App, tmp_path: Path) -> None:
    def instructions_first(ws: Worksheet) -> None:
        notes = ws.parent.create_sheet("填表说明", 0)
        notes.append(["请按时填写"])

    import_files(project.engine, [ledger(tmp_path / "台账.xlsx", shape=instructions_first)], project="demo")
    assert len(items(project)) == 3


def test_a_hidden_sheet_is_not_read(project: App, tmp_path: Path) -> None:
    def hidden_old_copy(ws: Worksheet) -> None:
        old = ws.parent.copy_worksheet(ws)
        old.title = "旧版"
        old.sheet_state = "hidden"
        old.cell(3, 2, "旧的问题")

    import_files(project.engine, [ledger(tmp_path / "台账.xlsx", shape=hidden_old_copy)], project="demo")
    assert items(project)["1"].problem == "问题1"

    def only_the_ledger_hidden(ws: Worksheet) -> None:
        ws.parent.create_sheet("说明")
        ws.sheet_state = "hidden"

    only_hidden = ledger(tmp_path / "隐藏.xlsx", shape=only_the_ledger_hidden)
    refused(project, only_hidden, "隐藏的工作表 整改台账 不读取")


def test_two_ledgers_in_one_file_are_refused(project: App, tmp_path: Path) -> None:
    def second(ws: Worksheet) -> None:
        ws.parent.copy_worksheet(ws).title = "2024年"

    refused(project, ledger(tmp_path / "台账.xlsx", shape=second), "都有台账表头")


def test_a_ledger_for_a_missing_project_takes_the_plan_beside_it_out_too(app: App, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    before = dump(app.engine)
    with pytest.raises(PlanFileError, match="项目 nosuch 不存在"):
        import_files(app.engine, [plan, ledger(tmp_path / "台账.xlsx")], project="nosuch")
    assert dump(app.engine) == before
