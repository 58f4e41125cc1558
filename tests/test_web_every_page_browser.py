"""Every page of the workbench in headless Chromium, on a desktop and on a 390×844 phone.

The pages docs/screenshots.md shows (scripts/screenshots.py takes its pictures from the same
list, tests/webkit.PAGES): each opens for a staff user, reads without sideways scrolling, and
has nothing refused by the Content-Security-Policy (no inline script or style slipped in).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from bot.wiring import App
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_browser import browser, log_in  # noqa: F401  (the browser fixture)
from tests.test_web_workbench import served, world  # noqa: F401  (the world fixture)
from tests.webkit import PAGES, SCREENS


@pytest.fixture
def base(world: tuple[App, FakeWeCom]) -> Iterator[str]:  # noqa: F811
    yield from served(world[0])


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_page_opens_and_fits_the_screen(browser: Browser, base: str, screen: str) -> None:  # noqa: F811
    width = SCREENS[screen]["width"]
    page: Page = browser.new_page(viewport=SCREENS[screen], locale="zh-CN")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    log_in(page, base)
    for name, path in PAGES.items():
        answer = page.goto(base + path)
        assert answer is not None and answer.status == 200, f"{name}: {path}"
        assert page.locator("main h1, main h2").first.is_visible(), f"{name} shows a heading"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} ({path}) scrolls sideways on the {screen}: {wide} > {width}"
    assert not refused, refused
    page.close()
