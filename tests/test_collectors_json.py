"""``json`` against a shop platform's open API on 127.0.0.1 (bot/demo/api.py)."""

from __future__ import annotations

import time

import pytest

from bot.demo.server import serve
from collectors.json_api import JsonCollector
from domain.errors import FetchError, LayoutError, LoginError
from tests.collect_helpers import NOW, config, make_env
from tests.fakes.shop_api import ShopApi

FIELDS = (("GMV", "shop.gmv", "万元"), ("ORD", "shop.orders", "单"), ("UV", "visitors", "人次"))


@pytest.fixture
def api():
    shop = ShopApi()
    with serve(shop.routes()) as running:
        shop.url = running.url
        yield shop


def source(shop, *fields, **overrides):
    settings = {
        "url": f"{shop.url}/open/v1/shop/monthly",
        "token": shop.token,
        "records_path": "data.list",
        "month_path": "statMonth",
        "status_path": "code",
        "ok_values": [0],
        "message_path": "msg",
        "page_param": "pageNo",
        "pages_path": "data.totalPage",
        "fields": {"shop.gmv": {"unit": "元"}},
    }
    return config("json", settings | overrides, *(fields or FIELDS), code="shop")


def collect(tmp_path, src, **options):
    return JsonCollector(make_env(tmp_path, **options)).collect(src, now=NOW)


def test_paths_pages_and_units(tmp_path, api):
    collected = collect(tmp_path, source(api))
    got = {(f.indicator, f.month): f.value for f in collected.figures}
    assert got[("GMV", "2023-09")] == pytest.approx(185.60005)  # 元 → 万元
    assert got[("ORD", "2023-08")] == 19630
    assert got[("UV", "2023-07")] == 123000  # "12.3万"
    assert ("UV", "2023-09") not in got  # "—" is no figure
    assert api.calls == 2  # two pages of two records
    september = next(f for f in collected.figures if f.indicator == "GMV" and f.month == "2023-09")
    assert september.where == "第 2 页第 1 条记录的 shop.gmv"


def test_429_is_waited_out(tmp_path, api):
    api.throttle = 1
    started = time.monotonic()
    assert collect(tmp_path, source(api)).figures
    assert time.monotonic() - started >= 1.0


def test_429_that_does_not_stop_fails_clearly(tmp_path, api):
    api.throttle = 10
    with pytest.raises(FetchError, match=r"HTTP 429.*已等待重试 2 次") as caught:
        collect(tmp_path, source(api))
    assert caught.value.evidence.status == 429


def test_a_long_retry_after_is_not_waited(tmp_path, api):
    api.throttle, api.retry_after = 1, "3600"
    started = time.monotonic()
    with pytest.raises(FetchError, match="要求 3600 秒后再试"):
        collect(tmp_path, source(api))
    assert time.monotonic() - started < 1


def test_bad_token_is_a_login_failure_and_the_token_is_not_in_the_message(tmp_path, api):
    with pytest.raises(FetchError, match="access_token 无效") as caught:
        collect(tmp_path, source(api, token="tk_wrong_value"))
    assert "tk_wrong_value" not in str(caught.value)


def test_changed_field_is_a_layout_failure(tmp_path, api):
    with pytest.raises(LayoutError, match=r"shop\.amount 不存在"):
        collect(tmp_path, source(api, ("GMV", "shop.amount", "万元")))


def test_changed_envelope_is_a_layout_failure(tmp_path, api):
    with pytest.raises(LayoutError, match=r"data\.rows 不是记录列表"):
        collect(tmp_path, source(api, records_path="data.rows"))


def test_http_401_is_a_login_failure(tmp_path):
    from bot.demo.server import Response

    with serve(
        {"/api": lambda _r: Response(401, b'{"error":"unauthorized"}', "application/json")}
    ) as running:
        src = config("json", {"url": f"{running.url}/api", "token": "x", "month_path": "m"}, FIELDS[0])
        with pytest.raises(LoginError, match="令牌被拒绝"):
            collect(tmp_path, src)
