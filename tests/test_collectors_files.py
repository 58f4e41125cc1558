"""``file``: Excel and CSV exports in an inbox folder, read by header, totalled per month."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
import xlwt

from collectors.fetched import Fetched
from collectors.files import FileCollector, figures_from_file
from domain.errors import LayoutError
from tests.collect_helpers import NOW, config, make_env

FIELDS = (("S36", "网络零售额（万元）", "万元"), ("ORD", "订单数", "单"))


def xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "销售明细"
    for row in rows:
        sheet.append(row)
    book.save(path)


def source(inbox, *fields, **settings):
    return config(
        "file",
        {"inbox": str(inbox), "month_header": "日期"} | settings,
        *(fields or FIELDS),
        code="shop-export",
    )


def test_xlsx_with_a_title_row_and_a_moved_column_is_summed_per_month(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(
        inbox / "店铺销售导出.xlsx",
        [
            ["闻喜县特产旗舰店 销售日报（导出时间 2023-10-02）"],
            ["订单数", "备注", "日期", "网络零售额(元)"],  # the date column moved to the third place
            [120, "", datetime(2023, 8, 31), 52_000],
            [130, "", datetime(2023, 9, 1), 61_000.5],
            [140, "国庆预热", "2023-09-30", "1,234,000"],
            [None, None, None, None],
            [390, "", "合计", 1_347_000.5],
        ],
    )
    collected = FileCollector(make_env(tmp_path)).collect(source(inbox), now=NOW)
    got = {(f.indicator, f.month): f.value for f in collected.figures}
    assert got == {
        ("S36", "2023-08"): 5.2,
        ("S36", "2023-09"): 129.50005,
        ("ORD", "2023-08"): 120,
        ("ORD", "2023-09"): 270,
    }
    september = next(f for f in collected.figures if f.indicator == "S36" and f.month == "2023-09")
    assert september.where == "店铺销售导出.xlsx 工作表“销售明细”第 4 行，列“网络零售额(元)” 等 2 行之和"
    assert collected.failures == []
    for action in collected.after_commit:
        action()
    assert (inbox / "processed" / "店铺销售导出.xlsx").exists()
    assert not (inbox / "店铺销售导出.xlsx").exists()


def test_csv_in_gbk(tmp_path):
    text = "日期,网络零售额（万元）,订单数\n2023年9月,245.5,2996\n2023年8月,236.8,2881\n"
    body = text.encode("gbk")
    fetched = Fetched("export.csv", None, "text/csv", body, NOW)
    figures = figures_from_file(fetched, "export.csv", source("unused"), {"month_header": "日期"})
    assert {(f.indicator, f.month): f.value for f in figures}[("S36", "2023-09")] == 245.5


def test_xls(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for c, header in enumerate(["日期", "网络零售额（万元）", "订单数"]):
        sheet.write(0, c, header)
    sheet.write(1, 0, datetime(2023, 9, 3), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(1, 1, 12.5)
    sheet.write(1, 2, 40)
    path = tmp_path / "old.xls"
    book.save(str(path))
    fetched = Fetched("old.xls", None, None, path.read_bytes(), NOW)
    figures = figures_from_file(fetched, "old.xls", source("unused"), {"month_header": "日期"})
    assert [(f.indicator, f.month, f.value) for f in figures] == [
        ("S36", "2023-09", 12.5),
        ("ORD", "2023-09", 40),
    ]


def test_a_file_without_the_column_is_rejected_with_a_reason_and_others_still_count(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    xlsx(inbox / "a-good.xlsx", [["日期", "网络零售额(万元)", "订单数"], ["2023-09", 10, 1]])
    xlsx(inbox / "b-bad.xlsx", [["日期", "销售额", "订单数"], ["2023-09", 10, 1]])
    (inbox / "c-broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    collected = FileCollector(make_env(tmp_path)).collect(source(inbox), now=NOW)
    assert [f.value for f in collected.figures if f.indicator == "S36"] == [10]
    messages = [str(e) for e in collected.failures]
    assert any("找不到列“网络零售额（万元）”" in m for m in messages)
    assert any("不是有效的 .xlsx 文件" in m for m in messages)
    assert all(isinstance(e, LayoutError) and e.evidence.body for e in collected.failures)
    for action in collected.after_commit:
        action()
    reason = (inbox / "rejected" / "b-bad.xlsx.reason.txt").read_text(encoding="utf-8")
    assert "找不到列" in reason
    assert (inbox / "processed" / "a-good.xlsx").exists()
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []


def test_an_empty_inbox_is_not_an_attempt(tmp_path):
    (tmp_path / "inbox").mkdir()
    collected = FileCollector(make_env(tmp_path)).collect(source("inbox"), now=NOW)
    assert not collected.attempted


def test_a_file_with_only_a_header_is_a_failure(tmp_path):
    fetched = Fetched("e.csv", None, None, "日期,网络零售额（万元）,订单数\n".encode(), NOW)
    with pytest.raises(LayoutError, match="没有数据行"):
        figures_from_file(fetched, "e.csv", source("unused"), {"month_header": "日期"})
