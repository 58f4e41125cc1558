"""The administrators' page in a real headless Chromium, on a 390×844 phone screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.wiring import App
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_browser import browser, log_in  # noqa: F401  (the browser fixture)
from tests.test_web_workbench import served, world  # noqa: F401  (the world fixture)
from tests.test_web_workbench_browser import no_sideways_scrolling


@pytest.fixture
def phone(browser: Browser, world: tuple[App, FakeWeCom]) -> Iterator[Page]:  # noqa: F811
    for base in served(world[0]):
        opened = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        log_in(opened, base)
        yield opened
        opened.close()


def test_an_administrator_adds_a_county_clerk_from_a_phone(phone: Page) -> None:
    page = phone
    page.get_by_role("link", name="用户管理").click()
    expect(page.locator("h1")).to_have_text("用户管理")
    no_sideways_scrolling(page)
    li = page.locator(".work", has_text="李县长")
    expect(li).to_contain_text("全省只读")
    li.get_by_text("修改权限").click()
    no_sideways_scrolling(page)  # a role and one select per project still fit the width

    form = page.locator("#add")
    form.get_by_label("用户名").fill("wang")
    form.get_by_label("姓名").fill("王干事")
    form.get_by_label("初始密码").fill("pianguan clerk pass")
    form.get_by_label("偏关县乡村e镇建设项目").select_option("coordinator")
    form.get_by_role("button", name="添加").click()
    expect(page.locator(".flash[role=status]").first).to_contain_text("已添加网页用户 wang")
    expect(page.locator(".work", has_text="王干事")).to_contain_text("偏关县乡村e镇建设项目：协调人")
    no_sideways_scrolling(page)
