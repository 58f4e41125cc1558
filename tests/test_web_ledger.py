"""Uploading a 整改台账 on the project page: the preview of what would change, then apply or cancel;
and .xls / WPS .et ledgers read by the same reader as .xlsx, from the page and from ``duban import``.

偏关 after one cycle as of 2023-10-12 (tests/webkit.py). The .xls fixture is written here with xlwt
(BIFF8); a WPS .et file is the same compound-document workbook under WPS's suffix, which is how the
.et fixture is made — calamine reads it by its content.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import requests
import xlwt
from openpyxl import load_workbook

from bot.wiring import App
from collectors.plan.ledger import read_ledger
from db.engine import session_scope
from db.models import RectificationItem
from db.plan import items_of
from jobs.import_plans import import_files
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_workbench import served, world  # noqa: F401  (the world fixture)
from tests.webkit import LEADER, csrf_of, logged_in

FIELDS = (
    "number",
    "problem",
    "measures",
    "units",
    "persons",
    "deadline",
    "deadline_text",
    "result",
    "status",
)


@pytest.fixture
def site(world: tuple[App, FakeWeCom]) -> Iterator[str]:  # noqa: F811
    yield from served(world[0])


def items(app: App, code: str = "pianguan") -> dict[str, dict[str, Any]]:
    with session_scope(app.engine) as session:
        return {i.number: {f: getattr(i, f) for f in FIELDS} for i in items_of(session, code=code)}


def exported(browser: requests.Session, base: str) -> Any:
    answer = browser.get(f"{base}/p/pianguan/export/ledger", timeout=10)
    return load_workbook(BytesIO(answer.content))


def upload(browser: requests.Session, base: str, name: str, data: bytes, code: str = "pianguan") -> str:
    page = browser.get(f"{base}/p/{code}/ledger", timeout=10).text
    answer = browser.post(
        f"{base}/p/{code}/ledger",
        data={"csrf": csrf_of(page), "year": "2023"},
        files={"ledger": (name, data)},
        timeout=10,
    )
    assert answer.ok, answer.text
    return answer.text


def post(browser: requests.Session, base: str, action: str, code: str = "pianguan") -> str:
    page = browser.get(f"{base}/p/{code}/ledger", timeout=10).text
    answer = browser.post(f"{base}/p/{code}/ledger/{action}", data={"csrf": csrf_of(page)}, timeout=10)
    assert answer.ok, answer.text
    return answer.text


def edited_ledger(browser: requests.Session, base: str) -> bytes:
    """The exported ledger with 问题1's 整改结果 and 责任人 changed and a 问题18 added."""
    book = exported(browser, base)
    sheet = book.active
    assert sheet["A3"].value == "1"
    sheet["G3"] = "已向省、市商务局补报实施方案"
    sheet["E3"] = "高权、王雪"
    sheet.append(["18", "网店数据未按月归档。", "建立月度归档制度", "偏关县工信局", "王雪", "2023年11月30日"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_preview_lists_each_change_and_applying_writes_exactly_that(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    app, browser = world[0], logged_in(site)
    before = items(app)
    assert "上传整改台账" in browser.get(f"{site}/p/pianguan", timeout=10).text
    preview = upload(browser, site, "偏关整改台账.xlsx", edited_ledger(browser, site))
    assert "导入预览：偏关整改台账.xlsx" in preview
    assert f"新增 1 项 · 修改 1 项 · 没有变化 {len(before) - 1} 项" in preview
    created = preview.split('class="created"', 1)[1].split("</table>", 1)[0]
    assert "问题18" in created and "网店数据未按月归档。" in created
    changed = preview.split('class="changed diff"', 1)[1].split("</table>", 1)[0]
    assert "问题1<" in changed
    assert "<td>责任人</td><td><del>高权</del></td><td><ins>高权、王雪</ins></td>" in changed
    assert (
        "<td>整改结果</td><td><del>（空）</del></td><td><ins>已向省、市商务局补报实施方案</ins></td>"
        in changed
    )
    assert items(app) == before  # a preview writes nothing

    done = post(browser, site, "apply")
    assert "已导入 偏关整改台账.xlsx：新增 1 项，更新 1 项" in done
    after = items(app)
    expected = {**before, "18": after["18"]}
    expected["1"] = {**before["1"], "persons": ["高权", "王雪"], "result": "已向省、市商务局补报实施方案"}
    assert after == expected  # exactly what the preview listed, nothing else
    assert after["18"]["problem"] == "网店数据未按月归档。" and after["18"]["deadline"] == date(2023, 11, 30)
    assert not any((app.settings.data_dir / "uploads").iterdir())  # the upload is gone once applied
    again = post(browser, site, "apply")  # the same confirmation twice imports nothing twice
    assert "没有待导入的台账" in again


def test_cancel_discards_the_upload_and_changes_nothing(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    app, browser = world[0], logged_in(site)
    before = items(app)
    upload(browser, site, "台账.xlsx", edited_ledger(browser, site))
    assert len(list((app.settings.data_dir / "uploads").iterdir())) == 1
    page = post(browser, site, "cancel")
    assert "已取消，上传的台账已删除" in page
    assert items(app) == before
    assert not any((app.settings.data_dir / "uploads").iterdir())


def test_bad_rows_are_listed_by_row_and_column_and_nothing_can_be_applied(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    app, browser = world[0], logged_in(site)
    before = items(app)
    book = exported(browser, site)
    sheet = book.active
    sheet["B4"] = None  # 问题2 without its problem
    sheet["F6"] = "下个月吧"  # 问题4 with a deadline that is no date
    out = BytesIO()
    book.save(out)
    preview = upload(browser, site, "有错的台账.xlsx", out.getvalue())
    errors = preview.split('class="errors"', 1)[1].split("</table>", 1)[0]
    assert "<td>第 4 行</td><td>反馈问题</td><td>不能为空</td>" in errors
    assert "<td>第 6 行</td><td>整改时限</td>" in errors
    assert "有错误的行 2 行" in preview and "确认导入" not in preview
    assert "/tmp" not in preview and str(app.settings.data_dir) not in preview  # no server path shown
    refused = post(browser, site, "apply")
    assert "未导入：有错的台账.xlsx 第 4 行反馈问题 不能为空" in refused
    assert items(app) == before


def test_a_file_that_is_no_ledger_is_named_and_leaders_cannot_upload(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    browser = logged_in(site)
    page = upload(browser, site, "截图.xls", b"not a workbook at all")
    assert "无法读取这个台账" in page and "不是可读取的 .xls 文件" in page and "确认导入" not in page
    page = upload(browser, site, "方案.docx", b"PK\x03\x04")
    assert "“方案.docx”不是台账文件" in page
    leader = logged_in(site, LEADER)
    assert leader.get(f"{site}/p/pianguan/ledger", timeout=10).status_code == 403
    assert "上传整改台账" not in leader.get(f"{site}/p/pianguan", timeout=10).text


# --- .xls and WPS .et ------------------------------------------------------------------------


def legacy_ledger(folder: Path) -> Path:
    """An .xls ledger as offices keep one: a title naming the year, 责任单位 merged over two rows,
    one deadline typed as a date cell and one written as 10月底, a hidden 说明 sheet."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("整改台账")
    sheet.write(0, 0, "偏关县反馈问题整改台账（2023年）")
    for column, name in enumerate(
        ["序号", "反馈问题", "整改措施", "责任单位", "责任人", "整改时限", "销号情况"]
    ):
        sheet.write(1, column, name)
    sheet.write(2, 0, 1)
    sheet.write(2, 1, "实施方案未向省、市商务局报备。")
    sheet.write(2, 2, "补报备案")
    sheet.write_merge(2, 3, 3, 3, "偏关县工信局")
    sheet.write(2, 4, "高权")
    sheet.write(2, 5, date(2023, 10, 15), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(2, 6, "未销号")
    sheet.write(3, 0, 2)
    sheet.write(3, 1, "服务站点运营数据缺失。")
    sheet.write(3, 4, "王雪")
    sheet.write(3, 5, "10月底")
    sheet.write(3, 6, "已销号")
    hidden = book.add_sheet("说明")
    hidden.write(0, 0, "序号")
    hidden.write(0, 1, "反馈问题")
    hidden.visibility = 1
    path = folder / "台账.xls"
    book.save(str(path))
    return path


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_xls_and_wps_et_ledgers_read_like_xlsx(tmp_path: Path, suffix: str) -> None:
    source = legacy_ledger(tmp_path)
    path = source if suffix == ".xls" else Path(shutil.copy(source, tmp_path / "台账.et"))
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound document
    first, second = read_ledger(path)
    assert (first.number, first.problem, first.units, first.persons) == (
        "1",
        "实施方案未向省、市商务局报备。",
        ["偏关县工信局"],
        ["高权"],
    )
    assert first.deadline == date(2023, 10, 15) and first.status.value == "open"
    assert second.units == ["偏关县工信局"]  # the merged cell covers both rows
    assert second.deadline == date(2023, 10, 31)  # 10月底 of the year in the title
    assert second.status.value == "closed"


def test_duban_import_and_the_page_take_an_et_ledger(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
    tmp_path: Path,
) -> None:
    app, browser = world[0], logged_in(site)
    et = Path(shutil.copy(legacy_ledger(tmp_path), tmp_path / "偏关台账.et"))
    preview = upload(browser, site, et.name, et.read_bytes())
    assert "导入预览：偏关台账.et" in preview and "确认导入" in preview
    changed = preview.split('class="changed diff"', 1)[1].split("</table>", 1)[0]
    assert "问题2<" in changed and "<ins>服务站点运营数据缺失。</ins>" in changed
    post(browser, site, "cancel")
    # The command line reads the same file with the same reader and writes what the page showed.
    reports = import_files(app.engine, [et], project="pianguan")
    assert reports[0].updated.get("rectificationitem") == 2
    with session_scope(app.engine) as session:
        second: RectificationItem = next(i for i in items_of(session, code="pianguan") if i.number == "2")
    assert second.problem == "服务站点运营数据缺失。" and second.units == ["偏关县工信局"]
