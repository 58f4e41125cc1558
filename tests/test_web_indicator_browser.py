"""The indicator page in a real headless Chromium on a 390×844 phone screen: the chart is drawn
(inline SVG, no script) and the page does not scroll sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from bot.wiring import App
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_browser import OUTPUT, browser, log_in  # noqa: F401  (the browser fixture)
from tests.test_web_workbench import served, world  # noqa: F401  (the world fixture)
from tests.test_web_workbench_browser import no_sideways_scrolling


@pytest.fixture
def base(world: tuple[App, FakeWeCom]) -> Iterator[str]:  # noqa: F811
    yield from served(world[0])


def test_the_indicator_chart_shows_on_a_phone_without_sideways_scrolling(
    browser: Browser,  # noqa: F811
    base: str,
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if "Security Policy" in message.text else None
    )
    log_in(page, base)
    page.goto(f"{base}/p/wenxi")
    page.get_by_role("link", name="S36 网络零售额").click()
    expect(page.locator("h1")).to_contain_text("S36 网络零售额")
    chart = page.locator("figure.chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and 300 <= box["width"] <= 390 and box["height"] > 150  # fills the phone's width
    expect(chart.locator("circle")).to_have_count(9)
    expect(chart.locator("polyline.pace-line")).to_have_count(1)
    expect(page.locator("figure.chart figcaption")).to_contain_text("年度目标 3,000 万元")
    expect(page.locator("#months")).to_contain_text("2023-09")
    expect(page.get_by_role("button", name="录入")).to_be_visible()
    no_sideways_scrolling(page)
    assert not errors  # nothing refused by the CSP (no inline style or script on the page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "wenxi-indicator-S36-phone.png", full_page=True)
    page.close()
