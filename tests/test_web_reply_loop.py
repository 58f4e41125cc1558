"""The whole 销号 loop in a real headless Chromium (issue 14's "done when").

A reminder's link opens 高权's items on a phone-sized screen without a password; he submits a
result with a photo; the coordinator approves it on the item page; the item shows 已销号 and
exactly one "已解决" message is queued. Skipped without Debian's chromium, failed under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlmodel import select

from bot.web.config import WebConfig
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.models import ItemSubmission, RectificationItem
from domain.enums import ItemStatus, SubmissionState
from tests.replykit import AS_OF, PERSONAL, county, make_app, png, queued, reply_token
from tests.test_web_browser import OUTPUT, browser  # noqa: F401 - the module's browser fixture
from tests.webkit import STAFF, serving


@pytest.fixture
def loop_site(tmp_path: Path, database: str | None) -> Iterator[tuple[App, str]]:
    app = county(make_app(tmp_path, database), tmp_path)
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    with serving(app, WebConfig.from_app(app, as_of=AS_OF)) as base:
        yield app, base
    app.engine.dispose()


def test_a_reminder_link_leads_to_one_resolution(
    browser: Browser,  # noqa: F811 - the fixture imported above
    loop_site: tuple[App, str],
    tmp_path: Path,
) -> None:
    app, base = loop_site
    token = reply_token(app)
    assert not [d for d in queued(app) if d.channel_code != PERSONAL and "/r/" in d.body]  # groups: no link

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = phone.new_page()
    page.goto(f"{base}/r/{token}")
    expect(page.get_by_role("heading", name="高权，您好")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    item = _card(page, "问题1")
    expect(item).to_contain_text("实施方案未见向省、市商务局报备的印证材料")
    photo = tmp_path / "报备回执.png"
    photo.write_bytes(png())
    item.get_by_text("提交整改结果").click()
    item.get_by_label("整改结果").fill("已以县政府文件印发，并抄报省商务厅、市商务局备案")
    item.get_by_label("佐证材料", exact=False).set_input_files(str(photo))
    item.get_by_role("button", name="提交审核").click()
    expect(page.locator(".flash[role=status]").first).to_contain_text("已提交，等待工作专班审核")
    expect(_card(page, "问题1")).to_contain_text("等待工作专班审核")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "reply-link-phone.png", full_page=True)
    with session_scope(app.engine) as session:
        submission = session.exec(select(ItemSubmission)).one()
        closed = session.get(RectificationItem, submission.item_id)
        assert closed is not None and closed.status is ItemStatus.OPEN  # waits for the review
    assert submission.state is SubmissionState.PENDING and len(submission.evidence_ids) == 1

    before = len(queued(app))
    office = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    office.goto(f"{base}/login")
    office.get_by_label("用户名").fill(STAFF[0])
    office.get_by_label("密码").fill(STAFF[1])
    office.get_by_role("button", name="登录").click()
    office.goto(f"{base}/p/pianguan")  # the project page says what waits for review
    office.get_by_role("link", name="1 份整改结果待审核").click()
    expect(office).to_have_url(f"{base}/items/{submission.item_id}")
    pending = office.locator(".submission", has_text="高权")
    expect(pending).to_contain_text("待审核")
    expect(pending.get_by_role("link", name="上传：报备回执.png")).to_be_visible()
    pending.get_by_role("button", name="审核通过并销号").click()
    expect(office.locator(".flash[role=status]").first).to_contain_text("已销号：问题1")
    expect(office.locator("h1 .state")).to_have_text("已销号")
    expect(office.locator(".submission", has_text="高权")).to_contain_text("已通过")
    office.screenshot(path=OUTPUT / "item-closed.png", full_page=True)

    new = queued(app)[before:]
    assert len(new) == 1, [d.subject for d in new]
    assert new[0].channel_code == PERSONAL and "已解决" in new[0].body
    assert "已以县政府文件印发" in new[0].body
    assert all(k.startswith("pianguan/item/-/1/") for k in new[0].alert_keys)
    with session_scope(app.engine) as session:
        row = session.get(RectificationItem, submission.item_id)
        assert (
            row is not None
            and row.status is ItemStatus.CLOSED
            and row.evidence_id == submission.evidence_ids[0]
        )
    page.reload()  # the closed item has left 高权's list
    expect(_card(page, "问题1")).to_have_count(0)
    expect(_card(page, "问题2")).to_be_visible()


def _card(page: Page, heading: str) -> Locator:
    return page.locator(".reply-item", has=page.get_by_role("heading", name=heading, exact=True))
