"""``mofcom`` against the replica of the MOFCOM monthly report system (bot/demo/mofcom.py)."""

from __future__ import annotations

import pytest

from bot.demo.server import serve
from collectors.mofcom import MofcomCollector
from domain.errors import LayoutError, LoginError
from tests.collect_helpers import NOW, config, make_env
from tests.fakes.mofcom import Mofcom

FIELDS = (
    ("Z1", "网络零售额", "万元"),
    ("Z2", "其中：农产品网络零售额", "万元"),
    ("Z3", "快递业务量", "件"),
    ("Z4", "电商服务站点数", "个"),
)


@pytest.fixture
def mofcom():
    system = Mofcom()
    with serve(system.routes()) as running:
        system.url = running.url
        yield system


def source(system, *fields, **overrides):
    settings = {"base_url": system.url, "username": system.username, "password": system.password}
    return config("mofcom", settings | overrides, *(fields or FIELDS), code="mofcom")


def collect(tmp_path, src, month=None):
    return MofcomCollector(make_env(tmp_path)).collect(src, now=NOW, month=month)


def test_reads_the_month_being_reported_and_its_filing_state(tmp_path, mofcom):
    collected = collect(tmp_path, source(mofcom))
    figures = {f.indicator: (f.month, f.value, f.cumulative) for f in collected.figures}
    assert figures == {
        "Z1": ("2023-09", 1418.2, False),
        "Z2": ("2023-09", 566.0, False),
        "Z3": ("2023-09", 199000.0, False),  # 19.9 万件 in the 计量单位 column → 件
        "Z4": ("2023-09", 218.0, False),
    }
    [filing] = collected.filings
    assert (filing.month, filing.filed, filing.status_text) == ("2023-09", True, "已填报")
    assert filing.evidence.url.endswith("/report/monthly?period=2023-09")
    assert collected.figures[0].where == "行“网络零售额”，列“本月”"


def test_a_month_not_yet_reported_is_a_filing_state_not_a_failure(tmp_path, mofcom):
    collected = collect(tmp_path, source(mofcom), month="2023-10")
    assert collected.figures == []
    assert [(f.month, f.filed, f.status_text) for f in collected.filings] == [("2023-10", False, "未填报")]


def test_year_to_date_column_and_several_months(tmp_path, mofcom):
    src = source(
        mofcom,
        ("Z1", "网络零售额", "万元"),
        months_back=2,
        fields={"网络零售额": {"column": "本年累计", "cumulative": True}},
    )
    collected = collect(tmp_path, src)
    assert [(f.month, f.value, f.cumulative) for f in collected.figures] == [
        ("2023-08", 9812.4, True),
        ("2023-09", 11230.6, True),
    ]
    assert [f.month for f in collected.filings] == ["2023-08", "2023-09"]


def test_selectors_are_configuration(tmp_path, mofcom):
    # An administrator adapting to a system that calls the column 指标 instead: no code change.
    with pytest.raises(LayoutError, match="找不到表头含“指标”"):
        collect(tmp_path, source(mofcom, label_header="指标"))
    src = source(mofcom, ("Z1", "网络零售额", "万元"), table_selector="#monthReport", value_header="本年累计")
    assert [f.value for f in collect(tmp_path, src).figures] == [11230.6]


def test_missing_indicator_row_is_named(tmp_path, mofcom):
    with pytest.raises(LayoutError, match="找不到指标“跨境电商交易额”"):
        collect(tmp_path, source(mofcom, ("X", "跨境电商交易额", "万元")))


def test_missing_filing_state_is_a_layout_failure(tmp_path, mofcom):
    with pytest.raises(LayoutError, match="找不到填报状态"):
        collect(tmp_path, source(mofcom, status_pattern="报送情况:(已报送|未报送)"))


def test_wrong_password(tmp_path, mofcom):
    with pytest.raises(LoginError, match="账号或密码错误"):
        collect(tmp_path, source(mofcom, password="nope"))


def test_session_cookie_from_a_browser_login(tmp_path, mofcom):
    # For a system with a captcha: the administrator pastes the session cookie instead.
    mofcom.sessions.add("pasted-session")
    src = source(mofcom, cookies={"JSESSIONID": "pasted-session"}, password="")
    assert collect(tmp_path, src).figures
    assert mofcom.logins == 0
