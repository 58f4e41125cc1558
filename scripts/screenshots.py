"""Screenshots of every web page, on a desktop and on a 390×844 phone, into docs/screenshots/.

The examples (偏关, 闻喜, 昭化) after one cycle as of 2023-10-12, as the web tests build them
(tests/webkit.py), served on 127.0.0.1 and opened in Debian's headless Chromium. Run it after a
change to a page and commit the pictures with it:

    PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--only NAME]

docs/screenshots.md lists the pictures with what each page is for.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import FloatRect, Page, sync_playwright  # noqa: E402

from bot.demo.backend import running_backend  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import App  # noqa: E402
from jobs.import_plans import import_files  # noqa: E402
from tests.conftest import EXAMPLES  # noqa: E402
from tests.replykit import county as reply_county  # noqa: E402
from tests.replykit import make_app, reply_token  # noqa: E402
from tests.test_web_browser import ARGS, CHROMIUM  # noqa: E402
from tests.webkit import PAGES, SCREENS, STAFF, county, serving  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
TALLEST = 2600  # px: a long page is cut here; the picture shows how it starts, not all 82 rows


@dataclass(frozen=True)
class Shot:
    name: str
    path: str | Callable[[Page, str], str]  # a fixed path, or found on the page (an item's id …)
    login: bool = True


def first_link(start: str, selector: str) -> Callable[[Page, str], str]:
    """The address of the first link matching ``selector`` on ``start``."""

    def find(page: Page, base: str) -> str:
        page.goto(base + start)
        href = page.locator(selector).first.get_attribute("href")
        if not href:
            raise SystemExit(f"no link {selector!r} on {start}")
        return href

    return find


def ledger_preview(page: Page, base: str) -> str:
    """偏关's own exported ledger uploaded back: the preview before anything is applied."""
    with page.expect_download() as download:
        page.goto(base + "/p/pianguan")
        page.get_by_role("link", name="导出整改台账（Excel）").click()
    ledger = Path(tempfile.mkdtemp(prefix="duban-shots-")) / "偏关整改台账.xlsx"
    download.value.save_as(ledger)
    book = load_workbook(ledger)  # one result filled in, as a clerk would before uploading
    sheet = book.active
    assert sheet is not None and sheet["B2"].value == "反馈问题"
    sheet["G3"] = "已于10月11日以县政府文件印发各乡镇、各有关单位，并报省、市商务部门备案"
    book.save(ledger)
    page.goto(base + "/p/pianguan/ledger")
    page.locator("input[name=ledger]").set_input_files(ledger)
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("button", name="确认导入").wait_for()
    shutil.rmtree(ledger.parent)  # the server keeps its own copy until applied or cancelled
    return "/p/pianguan/ledger"


SHOTS = [
    Shot("login", "/login", login=False),
    *(Shot(name, path) for name, path in PAGES.items() if name not in ("item", "ledger-pianguan")),
    Shot("silences-pianguan", "/p/pianguan#silences"),
    Shot("item-pianguan", first_link("/p/pianguan", "a[href^='/items/']")),
    Shot("ledger-pianguan", ledger_preview),
]


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(STAFF[0])
    page.get_by_label("密码").fill(STAFF[1])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(STAFF[2]).first.wait_for()


def take(shots: list[Shot], base: str) -> list[Path]:
    written: list[Path] = []
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for screen, viewport in SCREENS.items():
            page, logged_in = browser.new_page(viewport=viewport, locale="zh-CN"), False
            for shot in shots:
                if shot.login and not logged_in:
                    log_in(page, base)
                elif not shot.login:
                    page.context.clear_cookies()
                logged_in = shot.login
                path = shot.path if isinstance(shot.path, str) else shot.path(page, base)
                if page.url != base + path:  # a shot that ends on its page (a preview) stays there
                    page.goto(base + path)
                top = int(page.evaluate("window.scrollY")) if "#" in path else 0  # a section: from it
                height = min(TALLEST, int(page.evaluate("document.documentElement.scrollHeight")) - top)
                target = OUT / f"{shot.name}-{screen}.png"
                clip = FloatRect(x=0, y=top, width=viewport["width"], height=height)
                page.screenshot(path=target, full_page=True, clip=clip)
                written.append(target)
            page.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="just the shot of this name")
    args = parser.parse_args()
    shots = [s for s in SHOTS if args.only in (None, s.name)]
    with tempfile.TemporaryDirectory(prefix="duban-shots-") as folder, running_backend() as backend:
        app = App.build(Settings(data_dir=Path(folder), database_url=None), {})
        app.init_database()
        import_files(app.engine, [EXAMPLES / "zhaohua.yaml"])
        county(app, backend)
        with serving(app) as base:
            for path in take(shots, base):
                print(path.relative_to(ROOT))
        app.engine.dispose()
    if args.only in (None, "reply"):
        reply_page()


def reply_page() -> None:
    """高权's page from the link in his reminder: no login, only his open items."""
    with tempfile.TemporaryDirectory(prefix="duban-shots-") as folder:
        app = reply_county(make_app(Path(folder), None), Path(folder))
        token = reply_token(app)
        with serving(app) as base:
            for path in take([Shot("reply", f"/r/{token}", login=False)], base):
                print(path.relative_to(ROOT))
        app.engine.dispose()


if __name__ == "__main__":
    main()
