"""Importing plan files and ledgers: idempotent, all-or-nothing, and precise about errors. What the
import writes is checked on SQLite and on PostgreSQL; the refusals of bad files, which stop before
the database, on SQLite only."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.wiring import App
from db.engine import session_scope
from db.models import Channel, Indicator, ItemChange, Person, RectificationItem
from domain.enums import ItemStatus
from domain.errors import PlanFileError
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES
from tests.dbdump import dump

MINIMAL = """\
project:
  code: demo
  name: 演示县乡村e镇
  county: 演示县
people:
  - name: 高权
    mobile: "13800000001"
channels:
  - code: work
    kind: wecom_robot
    name: 工作群
    members: [高权]
    settings:
      webhook_key: ${DUBAN_WECOM_KEY_DEMO}
rectification:
  year: 2023
  items:
    - number: 1
      problem: 实施方案未报备
      persons: 高权
      deadline: 10月底
"""


def items(app: App, project_id: int | None = None) -> dict[str, RectificationItem]:
    with session_scope(app.engine) as session:
        return {i.number: i for i in session.exec(select(RectificationItem))}


@pytest.mark.both_databases
def test_yaml_import_creates_the_plan(app: App) -> None:
    reports = import_files(app.engine, [EXAMPLES / "pianguan.yaml", EXAMPLES / "wenxi.yaml"])
    assert reports[0].created["rectificationitem"] == 17
    with session_scope(app.engine) as session:
        item = session.exec(select(RectificationItem).where(RectificationItem.number == "13")).one()
        assert item.deadline == date(2023, 10, 20)
        assert item.persons == ["高权", "王雪"]
        s36 = session.exec(select(Indicator).where(Indicator.code == "S36")).one()
        assert (s36.target, s36.unit, s36.binding.value) == (3000, "万元", "binding")
        channel = session.exec(select(Channel).where(Channel.code == "pianguan-work")).one()
        assert channel.settings["webhook_key"] == "${DUBAN_WECOM_KEY_PIANGUAN}"


@pytest.mark.both_databases
def test_same_file_twice_changes_nothing(app: App) -> None:
    paths = [EXAMPLES / "pianguan.yaml", EXAMPLES / "zhaohua.yaml", EXAMPLES / "wenxi.yaml"]
    paths += [EXAMPLES / "hunan.yaml", EXAMPLES / "hunan-qiyang.yaml"]  # a notice and its county
    import_files(app.engine, paths)
    before = dump(app.engine)
    reports = import_files(app.engine, paths)
    assert not any(report.changed for report in reports)
    assert dump(app.engine) == before


@pytest.mark.both_databases
def test_changed_row_updates_and_keeps_status_and_history(app: App, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL, encoding="utf-8")
    import_files(app.engine, [plan])
    with session_scope(app.engine) as session:
        item = session.exec(select(RectificationItem)).one()
        item.status = ItemStatus.CLOSED  # signed off in duban meanwhile
        session.add(item)
    plan.write_text(MINIMAL.replace("10月底", "11月15日"), encoding="utf-8")
    report = import_files(app.engine, [plan])[0]
    assert report.updated == {"rectificationitem": 1}
    item = items(app)["1"]
    assert item.deadline == date(2023, 11, 15)
    assert item.status is ItemStatus.CLOSED  # an import never reopens a closed item
    with session_scope(app.engine) as session:
        changes = session.exec(select(ItemChange).order_by(ItemChange.id)).all()
    assert [c.changes.get("deadline") for c in changes][-1] == ["2023-10-31", "2023-11-15"]


@pytest.mark.parametrize(
    ("broken", "line", "field", "words"),
    [
        (MINIMAL.replace("10月底", "下个月"), 21, "rectification.items.0.deadline", "无法识别的日期"),
        (MINIMAL.replace('mobile: "13800000001"', 'mobile: "1380000"'), 7, "people.0.mobile", "1380000"),
        (
            MINIMAL.replace("webhook_key: ${DUBAN_WECOM_KEY_DEMO}", "webhook_key: 693a91f6-7xxx"),
            14,
            "channels.0.settings.webhook_key",
            "环境变量引用",
        ),
        (MINIMAL.replace("members: [高权]", "members: [高权, 李四]"), 12, "channels.0.members", "李四"),
        (MINIMAL.replace("  county: 演示县\n", ""), 1, "project.county", "缺少"),
        (MINIMAL.replace("problem:", "problme:"), 19, "rectification.items.0.problme", "不认识的字段"),
        (MINIMAL + "  - [unclosed\n", 22, None, "YAML"),
    ],
)
def test_broken_yaml_names_line_and_field_and_imports_nothing(
    app: App, tmp_path: Path, broken: str, line: int, field: str | None, words: str
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL.replace("code: demo", "code: other"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(broken, encoding="utf-8")
    before = dump(app.engine)
    with pytest.raises(PlanFileError) as caught:
        import_files(app.engine, [good, bad])
    error = caught.value
    assert error.path == bad
    assert words in str(error)
    assert error.line == line
    if field:
        assert error.field == field
    assert dump(app.engine) == before  # the good file beside it was not imported either


@pytest.mark.both_databases
def test_ledger_import_matches_the_yaml(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    before = dump(app.engine)
    report = import_files(app.engine, [EXAMPLES / "pianguan-ledger.xlsx"], project="pianguan")[0]
    assert not report.changed
    assert dump(app.engine) == before


@pytest.mark.both_databases
def test_ledger_into_an_empty_project(app: App, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.split("rectification:")[0], encoding="utf-8")
    import_files(app.engine, [plan])
    import_files(app.engine, [EXAMPLES / "pianguan-ledger.xlsx"])  # the only project: no --project
    imported = items(app)
    assert len(imported) == 17
    assert imported["10"].deadline == date(2023, 10, 31)  # "2023年10月底", year from the title row
    assert imported["13"].deadline == date(2023, 10, 20)  # a real Excel date cell
    assert imported["2"].units == ["偏关县工信局", "山西乐村淘网络科技有限公司"]


def _broken_ledger(tmp_path: Path, row: int, column: int, value: object) -> Path:
    path = tmp_path / "台账.xlsx"
    shutil.copy(EXAMPLES / "pianguan-ledger.xlsx", path)
    workbook = load_workbook(path)
    workbook.worksheets[0].cell(row=row, column=column).value = value
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("row", "column", "value", "field", "words"),
    [
        (7, 6, "尽快完成", "整改时限", "无法识别的日期"),
        (9, 2, None, "反馈问题", "不能为空"),
        (2, 6, "时间", None, "表头缺少列"),
    ],
)
def test_broken_ledger_names_row_and_column_and_imports_nothing(
    app: App, tmp_path: Path, row: int, column: int, value: object, field: str | None, words: str
) -> None:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    path = _broken_ledger(tmp_path, row, column, value)
    before = dump(app.engine)
    with pytest.raises(PlanFileError) as caught:
        import_files(app.engine, [path], project="pianguan")
    assert words in str(caught.value)
    assert caught.value.row == row
    assert caught.value.field == field
    assert dump(app.engine) == before


@pytest.mark.both_databases
def test_people_are_matched_by_name(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    with session_scope(app.engine) as session:
        names = sorted(p.name for p in session.exec(select(Person)))
    assert "高权" in names and "王雪" in names
