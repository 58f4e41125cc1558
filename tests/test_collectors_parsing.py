"""Pure parsing: numbers, encodings, headers, months, tables and login forms, from fixture bytes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from collectors.encoding import EncodingError, decode, decode_page
from collectors.figures import month_of
from collectors.login import find_login_form
from collectors.months import fill_month, previous_months
from collectors.numbers import NumberFormatError, convert, parse_number
from collectors.tables import TableNotFoundError, column_index, find_table, next_page, parse_html
from domain.errors import LayoutError
from tests.collect_helpers import NOW


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", 1234.5),
        ("１，２３４．５", 1234.5),  # full-width digits and comma
        ("12.3万", 123000.0),
        ("1.5亿", 150_000_000.0),
        (" 96 ", 96.0),
        ("-3.2", -3.2),
        ("45%", 45.0),
        ("—", None),
        ("——", None),
        ("/", None),
        ("", None),
        ("-", None),
    ],
)
def test_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["约1200", "1.2.3", "待核实", "12万元"])
def test_not_numbers_raise(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (18_560_000, "元", "万元", 1856.0),
        (1.5, "亿元", "万元", 15000.0),
        (12, "万人次", "人次", 120000),
        (3, "个", "个", 3),
    ],
)
def test_units(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected)


PAGE = "<html><head><meta charset='{charset}'></head><body><p>网络零售额（万元）堃</p></body></html>"


@pytest.mark.parametrize("charset", ["gbk", "GB2312", "gb18030", "utf-8"])
def test_pages_decode_in_every_encoding_they_declare(charset):
    text = PAGE.format(charset=charset)
    body = text.encode("gb18030" if charset.lower() != "utf-8" else "utf-8")
    assert "网络零售额（万元）堃" in decode_page(body, "text/html")


def test_a_wrong_declaration_is_not_trusted():
    body = PAGE.format(charset="utf-8").encode("gbk")
    assert "网络零售额" in decode_page(body, "text/html; charset=utf-8")


def test_undecodable_text_is_an_error_not_garbage():
    with pytest.raises(EncodingError):
        decode(b"\xff\xfe\xff\x81\x30", candidates=())


def test_headers_match_in_full_and_half_width_with_or_without_unit():
    headers = ("月份", "网络零售额(万元)", "快递业务量(件)")
    assert column_index(headers, "网络零售额（万元）") == 1
    assert column_index(headers, "网络零售额") == 1
    assert column_index(headers, "网络零售额 (万元)") == 1
    assert column_index(headers, "农产品网络零售额") is None


@pytest.mark.parametrize(
    ("cell", "month"),
    [
        ("2023年9月", "2023-09"),
        ("2023-09", "2023-09"),
        ("2023/9/15", "2023-09"),
        ("2023.09", "2023-09"),
        ("202309", "2023-09"),
        ("２０２３年１０月", "2023-10"),
        (date(2023, 9, 30), "2023-09"),
        (datetime(2023, 1, 2, 8, 0), "2023-01"),
    ],
)
def test_months(cell, month):
    assert month_of(cell, "s") == month


@pytest.mark.parametrize("cell", ["九月", "2023-13", "", None])
def test_unreadable_months_raise(cell):
    with pytest.raises(LayoutError):
        month_of(cell, "s")


def test_month_templates_and_the_reporting_month():
    assert (
        fill_month("/r?period={month}&y={year}&m={mm}&p={yyyymm}", "2023-09")
        == "/r?period=2023-09&y=2023&m=09&p=202309"
    )
    assert previous_months(NOW, 1) == ["2023-09"]
    assert previous_months(datetime.fromisoformat("2024-01-03T01:00:00+00:00"), 2) == ["2023-11", "2023-12"]


TABLES = """<html><body>
<table id="nav"><tr><td>首页</td><td>统计</td></tr></table>
<div class="box"><table>
  <tr><th colspan="3">2023年月度经营数据</th></tr>
  <tr><th>月份</th><th>网络零售额（万元）</th><th>备注</th></tr>
  <tr><td>2023年1月</td><td>150.2</td><td></td></tr>
  <tr><td></td><td></td><td></td></tr>
  <tr><td>合计</td><td>150.2</td><td></td></tr>
</table></div>
<a href="/r?page=1">上一页</a><a href="/r?page=3">下一页</a>
</body></html>"""


def test_table_found_by_header_under_a_title_row():
    table = find_table(parse_html(TABLES), header="月份")
    assert table.headers == ("月份", "网络零售额(万元)", "备注")
    assert table.rows == (("2023年1月", "150.2", ""), ("合计", "150.2", ""))


def test_table_found_by_selector_and_missing_header_is_named():
    assert find_table(parse_html(TABLES), header="月份", selector="div.box").rows
    with pytest.raises(TableNotFoundError, match="统计期"):
        find_table(parse_html(TABLES), header="统计期")


def test_next_page_link():
    assert next_page(parse_html(TABLES), "http://h/r?page=2") == "http://h/r?page=3"
    assert next_page(parse_html("<a class='disabled'>下一页</a>"), "http://h/") is None


def test_login_form_keeps_hidden_fields():
    page = """<form action="/auth" method="post"><input type="hidden" name="_csrf" value="abc">
    <input name="username"><input type="password" name="password"><input type="checkbox" name="r">
    <input type="submit" name="go" value="登录"></form>"""
    form = find_login_form(parse_html(page), "http://h/login")
    assert form is not None
    assert form.action == "http://h/auth"
    assert form.fields == {"_csrf": "abc", "username": "", "password": ""}
