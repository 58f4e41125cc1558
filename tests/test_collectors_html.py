"""``html`` against a real login-protected GBK backend on 127.0.0.1 (bot/demo/portal.py)."""

from __future__ import annotations

import time

import pytest

from bot.demo.backend import monthly_rows, render_monthly, running_backend
from bot.demo.server import serve
from collectors.html import HtmlCollector
from domain.errors import FetchError, LayoutError, LoginError
from tests.collect_helpers import NOW, config, make_env
from tests.fakes.portal import Portal

FIELDS = (("S36", "网络零售额（万元）", "万元"), ("E1", "快递业务量（件）", "件"))


@pytest.fixture
def portal():
    backend = Portal()
    with serve(backend.routes()) as running:
        backend.url = running.url
        yield backend


def source(portal, **overrides):
    settings = {
        "url": f"{portal.url}/admin/report",
        "login_url": f"{portal.url}/login",
        "username": portal.username,
        "password": portal.password,
    }
    return config("html", settings | overrides, *FIELDS)


def collect(tmp_path, src, **options):
    return HtmlCollector(make_env(tmp_path, **options)).collect(src, now=NOW)


def test_logs_in_with_the_csrf_token_and_reads_every_page(tmp_path, portal):
    collected = collect(tmp_path, source(portal))
    sales = {f.month: f.value for f in collected.figures if f.indicator == "S36"}
    assert len(sales) == 9  # 9 months over two pages of 5
    assert sales["2023-01"] == 150.2 and sales["2023-09"] == pytest.approx(245.5)
    september = next(f for f in collected.figures if f.indicator == "S36" and f.month == "2023-09")
    assert september.where == "第 2 页，行“2023年9月”，列“网络零售额(万元)”"
    assert september.evidence.url.endswith("/admin/report?page=2")
    assert "2023年9月".encode("gbk") in september.evidence.body
    assert portal.logins == 1


def test_session_is_reused_and_renewed_when_it_expires(tmp_path, portal):
    collector = HtmlCollector(make_env(tmp_path))
    collector.collect(source(portal), now=NOW)
    collector.collect(source(portal), now=NOW)
    assert portal.logins == 1  # the session cookie was kept between collections
    portal.expire_sessions()
    collected = collector.collect(source(portal), now=NOW)
    assert portal.logins == 2
    assert len(collected.figures) == 18


def test_wrong_password_is_a_login_failure_with_the_page_kept(tmp_path, portal):
    with pytest.raises(LoginError, match="登录失败：用户名或密码错误") as caught:
        collect(tmp_path, source(portal, password="wrong"))
    assert "wrong" not in str(caught.value)
    assert "用户名或密码错误".encode("gbk") in caught.value.evidence.body


def test_a_login_page_without_login_settings_is_named(tmp_path, portal):
    with pytest.raises(LoginError, match="没有配置 login_url"):
        collect(tmp_path, config("html", {"url": f"{portal.url}/admin/report"}, *FIELDS))


def test_changed_layout_is_a_failure_with_the_page(tmp_path, portal):
    portal.changed_layout = True
    with pytest.raises(LayoutError, match="找不到表头含“月份”") as caught:
        collect(tmp_path, source(portal))
    assert "统计期".encode("gbk") in caught.value.evidence.body


def test_a_renamed_column_is_named(tmp_path, portal):
    portal.changed_layout = True
    with pytest.raises(LayoutError, match="找不到列“网络零售额（万元）”"):
        collect(tmp_path, source(portal, month_header="统计期"))


def test_http_500_is_a_fetch_failure_with_the_error_page(tmp_path, portal):
    portal.fail_status = 500
    with pytest.raises(FetchError, match="HTTP 500") as caught:
        collect(tmp_path, source(portal))
    assert caught.value.evidence.status == 500


def test_slow_response_beyond_the_timeout(tmp_path, portal):
    portal.delay = 3
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"0\.5 秒内没有"):
        collect(tmp_path, source(portal), timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_truncated_transfer_keeps_what_arrived(tmp_path, portal):
    portal.truncate = True
    with pytest.raises(FetchError, match="没有传完整") as caught:
        collect(tmp_path, source(portal))
    body = caught.value.evidence.body
    assert 0 < len(body) < len(portal.render(1))


def test_truncated_html_is_a_failure_never_fewer_figures(tmp_path, portal):
    portal.cut_html = True
    with pytest.raises(LayoutError, match="页面不完整") as caught:
        collect(tmp_path, source(portal))
    assert b"</html>" not in caught.value.evidence.body


def test_blank_and_non_numeric_cells(tmp_path):
    rows = monthly_rows()[:3]
    rows[1] = rows[1] | {"网络零售额（万元）": "—"}
    with running_backend({"/m": render_monthly(rows)}) as url:
        collected = collect(tmp_path, config("html_table", {"url": f"{url}/m"}, FIELDS[0]))
    assert [f.month for f in collected.figures] == ["2023-01", "2023-03"]  # "—" is no figure, not 0
    rows[1] = rows[1] | {"网络零售额（万元）": "待核实"}
    with running_backend({"/m": render_monthly(rows)}) as url, pytest.raises(LayoutError, match="待核实"):
        collect(tmp_path, config("html_table", {"url": f"{url}/m"}, FIELDS[0]))


def test_page_units_are_converted_to_the_indicator_unit(tmp_path):
    rows = [{"月份": "2023年9月", "网络零售额(元)": "18,560,000"}]
    with running_backend({"/m": render_monthly(rows)}) as url:
        collected = collect(
            tmp_path, config("html", {"url": f"{url}/m"}, ("S36", "网络零售额（万元）", "万元"))
        )
    assert [(f.value, f.unit) for f in collected.figures] == [(1856.0, "万元")]


def test_an_empty_table_is_a_failure(tmp_path):
    with running_backend({"/m": render_monthly([])}) as url, pytest.raises(LayoutError, match="没有数据行"):
        collect(tmp_path, config("html", {"url": f"{url}/m"}, FIELDS[0]))
