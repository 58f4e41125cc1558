"""沁县's page in a real headless Chromium: the recurring reports and the reference targets read
as an official expects, on a desk screen and a phone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from bot.web.users import save_user
from bot.wiring import App
from tests.scenario_world import import_example
from tests.test_web_browser import OUTPUT, browser
from tests.webkit import STAFF, serving

__all__ = ["browser"]  # the module's Chromium, shared with the other page tests


def test_qinxian_page_shows_each_duty_and_its_progress(browser: Browser, app: App, tmp_path: Path) -> None:
    import_example(app, "qinxian.yaml")
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    with serving(app) as base:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{base}/p/qinxian")
        expect(page).to_have_url(f"{base}/login")
        page.get_by_label("用户名").fill(STAFF[0])
        page.get_by_label("密码").fill(STAFF[1])
        page.get_by_role("button", name="登录").click()
        page.goto(f"{base}/p/qinxian")
        page.get_by_text("其他指标和建设任务").click()  # folded by default
        report = page.locator("tr", has_text="各单位每月报送工作进展")
        expect(report).to_contain_text("定期报送（每月）")
        expect(report).to_contain_text("已报送 0/43 期")
        expect(page.locator("tr", has_text="半年通报")).to_contain_text("定期报送（每半年）")
        expect(page.locator("tr", has_text="招商资金")).to_contain_text("不少于 R04")
        expect(page.locator("tr", has_text="全市排名")).to_contain_text("前 3 名")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=OUTPUT / "qinxian-phone.png", full_page=True)
