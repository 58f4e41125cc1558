"""``duban export ledger|report``: the 整改台账 and the 整改落实情况报告 from the live state.

The files are read back with openpyxl and python-docx and compared with the database; the
ledger is also read back by duban's own ledger import, as an office would re-import it.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from docx.oxml.ns import qn
from openpyxl import load_workbook

from bot.cli import main
from collectors.plan.ledger import read_ledger
from db.engine import make_engine, session_scope
from db.models import RectificationItem
from db.plan import items_of
from domain.enums import ItemStatus
from domain.keys import natural_key
from tests.conftest import EXAMPLES

HEADERS = ["序号", "反馈问题", "整改措施", "责任单位", "责任人", "整改时限", "整改结果", "销号情况"]


def duban(tmp_path: Path, *args: str) -> Result:
    environ = {"DUBAN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    return CliRunner().invoke(main, ["--env-file", str(tmp_path / "none.env"), *args], env=environ)


def items(tmp_path: Path, code: str) -> list[RectificationItem]:
    """The project's items from the database, batches in document order, numbers naturally."""
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'duban.db'}")
    with session_scope(engine) as session:
        rows = items_of(session, code=code)
    engine.dispose()
    batches = list(dict.fromkeys(r.batch for r in rows))
    return sorted(rows, key=lambda r: (batches.index(r.batch), natural_key(r.number)))


def imported(tmp_path: Path, name: str) -> Path:
    result = duban(tmp_path, "import", str(EXAMPLES / name))
    assert result.exit_code == 0, result.output
    return tmp_path


def test_the_ledger_has_the_countys_columns_and_the_databases_items(tmp_path: Path) -> None:
    imported(tmp_path, "zhaohua.yaml")
    out = tmp_path / "台账.xlsx"
    result = duban(
        tmp_path, "export", "ledger", "--project", "zhaohua", "--out", str(out), "--as-of", "2019-11-05"
    )
    assert result.exit_code == 0, result.output
    assert "已导出整改台账（25 项整改事项）" in result.output
    sheet = load_workbook(out).active
    assert sheet is not None and sheet.title == "整改台账"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "昭化区2017年电子商务进农村综合示范项目整改台账（截至2019年11月5日）"
    assert list(rows[1]) == [*HEADERS, "问题来源"]  # 复核组 and 评价组 both have a 问题1
    expected = [
        (
            r.number,
            r.problem,
            r.measures.strip(),
            "、".join(r.units),
            None,  # the report names no 责任人
            r.deadline_text,
            (r.result or "").strip(),
            "已销号" if r.status is ItemStatus.CLOSED else "未销号",
            r.batch,
        )
        for r in items(tmp_path, "zhaohua")
    ]
    assert rows[2:] == expected
    assert [row[8] for row in rows[2:]].count("复核组") == 15
    assert [row[7] for row in rows[2:17]].count("已销号") == 8  # as the report's own summary says


@pytest.mark.parametrize("code", ["pianguan", "zhaohua"])
def test_the_exported_ledger_imports_back_to_the_same_items(tmp_path: Path, code: str) -> None:
    imported(tmp_path, f"{code}.yaml")
    out = tmp_path / "out" / "台账.xlsx"
    assert duban(tmp_path, "export", "ledger", "--project", code, "--out", str(out)).exit_code == 0
    read = read_ledger(out)
    fields = ("batch", "number", "problem", "units", "persons", "deadline", "ongoing", "status")

    def seen(item: object) -> tuple[object, ...]:
        return (*(getattr(item, f) for f in fields), (getattr(item, "result", None) or "").strip())

    assert [seen(i) for i in read] == [seen(r) for r in items(tmp_path, code)]


def test_the_report_has_the_counts_and_every_problem_with_its_rectification(tmp_path: Path) -> None:
    imported(tmp_path, "zhaohua.yaml")
    out = tmp_path / "报告.docx"
    result = duban(
        tmp_path, "export", "report", "--project", "zhaohua", "--out", str(out), "--as-of", "2019-11-05"
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "昭化区2017年电子商务进农村综合示范项目整改落实情况报告"
    # Chinese text names a Chinese font: Word's default theme font has no 汉字
    normal = document.styles["Normal"].element.rPr
    assert normal is not None and normal.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert "截至2019年11月5日（星期二），整改落实情况如下。" in text
    # The counts the district's report gives: 复核组 15 problems, 8 closed; 评价组 10, 4 closed.
    assert "共反馈问题 25 个，已完成（已销号）12 个，尚未完成 13 个；其中需长期坚持的 20 个。" in text
    assert "复核组共反馈问题 15 个，已完成（已销号）8 个，尚未完成 7 个；其中需长期坚持的 12 个。" in text
    assert "评价组共反馈问题 10 个，已完成（已销号）4 个，尚未完成 6 个；其中需长期坚持的 8 个。" in text
    assert text.index("（一）复核组反馈问题及整改情况") < text.index("（二）评价组反馈问题及整改情况")
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 3"]
    stored = items(tmp_path, "zhaohua")
    assert headings == [f"{r.number}. {r.problem}" for r in stored]
    for r in stored:
        start = text.index(
            f"{r.number}. {r.problem}",
            text.index(f"（{'一' if r.batch == '复核组' else '二'}）{r.batch}反馈问题及整改情况"),
        )
        block = text[start + 1 : start + 7]
        assert f"责任单位：{'、'.join(r.units)}" in block
        assert f"完成时限：{r.deadline_text}" in block
        assert f"整改结果：{(r.result or '').strip()}" in block
        assert f"销号情况：{'已销号' if r.status is ItemStatus.CLOSED else '未销号'}" in block


def test_exports_follow_the_live_state(tmp_path: Path) -> None:
    imported(tmp_path, "zhaohua.yaml")
    closed = duban(
        tmp_path,
        "close-item",
        "1",
        "--project",
        "zhaohua",
        "--batch",
        "复核组",
        "--result",
        "公共服务中心已建成运营",
        "--as-of",
        "2019-11-05",
    )
    assert closed.exit_code == 0, closed.output
    ledger, report = tmp_path / "l.xlsx", tmp_path / "r.docx"
    assert duban(tmp_path, "export", "ledger", "--project", "zhaohua", "--out", str(ledger)).exit_code == 0
    assert duban(tmp_path, "export", "report", "--project", "zhaohua", "--out", str(report)).exit_code == 0
    sheet = load_workbook(ledger).active
    assert sheet is not None
    first = next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))
    assert (first[0], first[6], first[7], first[8]) == ("1", "公共服务中心已建成运营", "已销号", "复核组")
    text = [p.text for p in docx.Document(str(report)).paragraphs]
    assert "复核组共反馈问题 15 个，已完成（已销号）9 个，尚未完成 6 个；其中需长期坚持的 12 个。" in text


def test_a_default_file_name_says_whose_what_and_when(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imported(tmp_path, "pianguan.yaml")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    result = duban(tmp_path, "export", "report", "--project", "pianguan", "--as-of", "2023-10-12")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "here" / "偏关县乡村e镇建设项目-整改落实情况报告-20231012.docx").exists()


def test_bad_requests_get_a_chinese_reason_and_exit_1(tmp_path: Path) -> None:
    imported(tmp_path, "pianguan.yaml")
    (tmp_path / "a-file").write_text("x")
    cases = [
        (["export", "ledger", "--project", "nowhere"], "没有项目 nowhere"),
        (
            ["export", "ledger", "--project", "pianguan", "--out", str(tmp_path / "台账.docx")],
            "应保存为 .xlsx 文件",
        ),
        (
            ["export", "report", "--project", "pianguan", "--out", str(tmp_path / "a-file" / "r.docx")],
            "无法写入文件",
        ),
    ]
    for args, reason in cases:
        result = duban(tmp_path, *args)
        assert result.exit_code == 1, result.output
        assert reason in result.output and "Traceback" not in result.output
    missing = duban(tmp_path, "export", "ledger")
    assert missing.exit_code == 2 and "--project" in missing.output
