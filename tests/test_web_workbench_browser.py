"""The workbench in a real headless Chromium, on a desktop and on a 390×844 phone screen.

Lists with their filters, both downloads opened with openpyxl and python-docx, and the channel
test button, with 偏关's robot pointed at a fake WeCom server on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from bot.wiring import App
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_browser import OUTPUT, browser, log_in  # noqa: F401  (the browser fixture)
from tests.test_web_workbench import ROBOT_KEY, served, world  # noqa: F401  (the world fixture)

SCREENS = {"desktop": {"width": 1100, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def base(world: tuple[App, FakeWeCom]) -> Iterator[str]:  # noqa: F811
    yield from served(world[0])


@pytest.fixture(params=list(SCREENS))
def page(request: pytest.FixtureRequest, browser: Browser, base: str) -> Iterator[Page]:  # noqa: F811
    screen = SCREENS[request.param]
    opened = browser.new_page(viewport=screen, device_scale_factor=2 if screen["width"] < 500 else 1)
    opened.screen_name = request.param  # type: ignore[attr-defined]
    log_in(opened, base)
    yield opened
    opened.close()


def no_sideways_scrolling(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_lists_filter_and_read_on_any_screen(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    no_sideways_scrolling(page)  # four counts per project fit a phone's line
    card = page.locator("section.card", has_text="偏关县乡村e镇建设项目")
    card.get_by_role("link", name="即将到期 17 项").click()
    expect(page.locator("#entries h2")).to_have_text("共 17 项")
    first = page.locator(".work").nth(3)  # after the targets P04, P05, P08: 问题1, then 问题2 …
    expect(first).to_contain_text("问题1")
    expect(first).to_contain_text("2023年10月15日（星期日）")
    expect(first).to_contain_text("剩 1 个工作日（3 天）")
    expect(page.locator(".work").nth(4)).to_contain_text("问题2")
    no_sideways_scrolling(page)

    page.get_by_label("责任人").select_option("王雪")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator(".work", has_text="问题2")).to_be_visible()
    expect(page.locator(".work strong", has_text=re.compile("^问题1$"))).to_have_count(
        0
    )  # 问题1 is 高权's alone
    expect(page.get_by_label("责任人")).to_have_value("王雪")
    no_sideways_scrolling(page)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"pianguan-lists-{page.screen_name}.png", full_page=True)  # type: ignore[attr-defined]


def test_both_exports_download_from_the_project_page(page: Page, base: str, tmp_path: Path) -> None:
    page.goto(f"{base}/p/zhaohua")
    no_sideways_scrolling(page)
    with page.expect_download() as ledger:
        page.get_by_role("link", name="导出整改台账（Excel）").click()
    assert ledger.value.suggested_filename == "昭化区2017年电子商务进农村综合示范项目-整改台账-20231012.xlsx"
    saved = tmp_path / "ledger.xlsx"
    ledger.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None and sheet["B3"].value is not None
    assert str(sheet["B3"].value).startswith("【项目建设进度滞后问题】县级公共服务中心")

    with page.expect_download() as report:
        page.get_by_role("link", name="导出整改报告（Word）").click()
    saved = tmp_path / "report.docx"
    report.value.save_as(saved)
    text = [p.text for p in docx.Document(str(saved)).paragraphs]
    assert "复核组共反馈问题 15 个，已完成（已销号）8 个，尚未完成 7 个；其中需长期坚持的 12 个。" in text


def test_staff_test_the_work_group_from_the_page(page: Page, base: str, world: tuple[App, FakeWeCom]) -> None:  # noqa: F811
    page.goto(f"{base}/p/pianguan")
    page.get_by_role("link", name="消息频道与测试").click()
    channel = page.locator(".channel", has_text="偏关县乡村e镇工作群")
    no_sideways_scrolling(page)
    channel.get_by_role("button", name="发送测试消息").click()
    expect(page.locator(".flash[role=status]").first).to_contain_text(
        "测试消息已发送到 偏关县乡村e镇工作群（pianguan-work，群机器人）"
    )
    assert len(world[1].robot_messages(ROBOT_KEY)) == 1
    no_sideways_scrolling(page)
