"""The 静默 section in a real headless Chromium, on a desktop and on a 390×844 phone screen:
preview, create and end early a silence, as a member of staff would."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.test_web_browser import browser  # noqa: F401  (the browser fixture)
from tests.test_web_workbench import world  # noqa: F401  (the world fixture)
from tests.test_web_workbench_browser import base, no_sideways_scrolling, page  # noqa: F401


def test_silence_a_person_then_end_it_early_on_any_screen(page: Page, base: str) -> None:  # noqa: F811
    page.goto(f"{base}/p/pianguan")
    section = page.locator("#silences")
    expect(section).to_contain_text("目前没有生效中或最近结束的静默")
    section.get_by_label("责任人").select_option("王雪")
    section.get_by_role("button", name="预览涉及的提醒").click()
    expect(page.locator("#silences .preview")).to_contain_text("按所选条件，目前涉及")
    expect(page.locator("#silences").get_by_label("责任人")).to_have_value("王雪")  # kept for the form
    no_sideways_scrolling(page)

    section = page.locator("#silences")
    section.get_by_label("截止日期").fill("2023-10-20")
    section.get_by_label("时间").fill("18:30")
    section.get_by_label("原因").fill("出差一周，回来后统一处理")
    section.get_by_role("button", name="新建静默").click()
    expect(page.locator(".flash").first).to_contain_text("已新建静默（编号 1），至 2023-10-20 18:30")
    row = page.locator("#silences table tr", has_text="责任人 王雪")
    expect(row).to_contain_text("生效中")
    expect(page.locator("#alerts")).to_contain_text("静默中（至 2023-10-20 18:30）")
    no_sideways_scrolling(page)

    row.get_by_role("button", name="提前结束").click()
    expect(page.locator("#silences table tr", has_text="责任人 王雪")).to_contain_text("已提前结束")
    expect(page.locator("#alerts")).not_to_contain_text("静默中")
