"""The reply link over real HTTP: who gets one, what it opens, and everything it refuses.

A link is only in a reminder to one person, is kept as a hash, stops working when it expires or is
revoked, and cannot be guessed by trying; uploads are judged by their bytes and size; a result
waits for review, and a returned one is sent back to the person with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from bot.web.config import WebConfig
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.models import ItemSubmission, Person, RectificationItem, ReplyLink
from domain.enums import ItemStatus, SubmissionState
from jobs.cycle import run_evaluate
from tests.replykit import AS_OF, PERSONAL, county, make_app, png, queued, reply_token
from tests.webkit import LEADER, STAFF, csrf_of, logged_in, serving

pytestmark = pytest.mark.both_databases


def served(tmp_path: Path, database: str | None, **settings: object) -> Iterator[tuple[App, str]]:
    app = county(make_app(tmp_path, database, **settings), tmp_path)
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    save_user(app.engine, username=LEADER[0], password=LEADER[1], display_name=LEADER[2], role="province")
    with serving(app, WebConfig.from_app(app, as_of=AS_OF)) as base:
        yield app, base
    app.engine.dispose()


@pytest.fixture
def site(tmp_path: Path, database: str | None) -> Iterator[tuple[App, str]]:
    yield from served(tmp_path, database)


def item_id(app: App, number: str) -> int:
    with session_scope(app.engine) as session:
        row = session.exec(select(RectificationItem).where(RectificationItem.number == number)).one()
    assert row.id is not None
    return row.id


def send(
    base: str, token: str, item: int, result: str, files: list[tuple[str, bytes]] | None = None
) -> requests.Response:
    """What a phone does: open the link, then post the form with its files."""
    phone = requests.Session()
    opened = phone.get(f"{base}/r/{token}", timeout=10)
    assert opened.status_code == 200, opened.text
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files or []]
    return phone.post(
        f"{base}/r/{token}/items/{item}",
        data={"csrf": csrf_of(opened.text), "result": result},
        files=parts or None,
        timeout=30,
    )


def submissions(app: App) -> list[ItemSubmission]:
    with session_scope(app.engine) as session:
        return list(session.exec(select(ItemSubmission).order_by(ItemSubmission.id)).all())


def test_only_a_reminder_to_one_person_carries_a_link_kept_as_a_hash(site: tuple[App, str]) -> None:
    app, _ = site
    token = reply_token(app)
    reminder = queued(app, PERSONAL)[0]
    assert "用手机打开以下链接" in reminder.body and "请勿转发" in reminder.body
    for other in queued(app):
        if other.channel_code != PERSONAL:
            assert "/r/" not in other.body and "/r/" not in (other.text_body or "")
    with session_scope(app.engine) as session:
        links = session.exec(select(ReplyLink)).all()
    assert [link.token_hash for link in links] == [hashlib.sha256(token.encode()).hexdigest()]
    assert links[0].expires_at - links[0].created_at == timedelta(days=14)


def test_the_link_opens_only_that_persons_open_items_and_nothing_is_closed_unreviewed(
    site: tuple[App, str],
) -> None:
    app, base = site
    token = reply_token(app)
    page = requests.get(f"{base}/r/{token}", timeout=10)
    assert "高权，您好" in page.text and "no-store" in page.headers["Cache-Control"]
    assert "退出" not in page.text and "立即刷新" not in page.text  # no staff page came with it
    answer = send(base, token, item_id(app, "3"), "已建立资金使用台账", [("台账.pdf", b"%PDF-1.4\n%%EOF\n")])
    assert "已提交，等待工作专班审核" in answer.text
    [row] = submissions(app)
    assert row.state is SubmissionState.PENDING and len(row.evidence_ids) == 1
    with session_scope(app.engine) as session:
        item = session.get(RectificationItem, row.item_id)
        assert item is not None and item.status is ItemStatus.OPEN
    refused = send(base, token, 999_999, "不是我的事项")
    assert "这个事项不在您名下，或已经销号" in refused.text
    assert len(submissions(app)) == 1


def test_uploads_are_judged_by_their_bytes_not_their_names(tmp_path: Path, database: str | None) -> None:
    for app, base in served(tmp_path, database, max_file_mb=0.01):
        token = reply_token(app)
        program = send(base, token, item_id(app, "1"), "见附件", [("照片.jpg", b"MZ\x90\x00program")])
        assert "文件“照片.jpg”不是照片（JPG、PNG）、PDF、Word、Excel 或 PowerPoint 文件" in program.text
        large = send(base, token, item_id(app, "1"), "见附件", [("大图.png", png() + b"\x00" * 20_000)])
        assert "文件“大图.png”" in large.text and "MB" in large.text
        assert submissions(app) == []
        photo = send(base, token, item_id(app, "1"), "见附件", [("现场.png", png())])
        assert "已提交" in photo.text and len(submissions(app)) == 1


def test_an_expired_or_revoked_link_opens_nothing(site: tuple[App, str]) -> None:
    app, base = site
    token = reply_token(app)
    with session_scope(app.engine) as session:
        link = session.exec(select(ReplyLink)).one()
        link.expires_at = app.clock() - timedelta(seconds=1)
        session.add(link)
    expired = requests.get(f"{base}/r/{token}", timeout=10)
    assert expired.status_code == 404 and "链接已失效" in expired.text

    with session_scope(app.engine) as session:
        link = session.exec(select(ReplyLink)).one()
        link.expires_at = app.clock() + timedelta(days=1)
        session.add(link)
        person = session.exec(select(Person).where(Person.name == "高权")).one()
    assert requests.get(f"{base}/r/{token}", timeout=10).status_code == 200
    staff = logged_in(base)
    item_page = staff.get(f"{base}/items/{item_id(app, '1')}", timeout=10)
    assert "高权：1 个有效链接" in item_page.text
    assert "首次提醒（还剩1个工作日）" in item_page.text and "remind-" not in item_page.text
    assert "<td>2023年10月15日（星期日）</td>" in item_page.text  # the deadline with its weekday
    assert "<td>高权</td><td>【" in item_page.text and "<td>gaoquan</td>" not in item_page.text
    revoked = staff.post(
        f"{base}/people/{person.id}/revoke-links",
        data={"csrf": csrf_of(item_page.text), "back": f"/items/{item_id(app, '1')}"},
        timeout=10,
    )
    assert "已撤销 1 个回复链接" in revoked.text and "高权：0 个有效链接" in revoked.text
    assert requests.get(f"{base}/r/{token}", timeout=10).status_code == 404


def test_guessing_links_is_stopped(site: tuple[App, str]) -> None:
    app, base = site
    token = reply_token(app)
    for guess in range(5):
        assert requests.get(f"{base}/r/guess{guess}", timeout=10).status_code == 404
    stopped = requests.get(f"{base}/r/{token}", timeout=10)
    assert stopped.status_code == 429 and "打开失效链接的次数过多" in stopped.text


def test_one_link_submits_a_limited_number_an_hour(tmp_path: Path, database: str | None) -> None:
    for app, base in served(tmp_path, database, reply_link_hourly=2):
        token = reply_token(app)
        for n in range(2):
            assert "已提交" in send(base, token, item_id(app, "1"), f"第 {n + 1} 次").text
        third = send(base, token, item_id(app, "1"), "第 3 次")
        assert "这个链接一小时内最多提交 2 次" in third.text
        assert len(submissions(app)) == 2


def test_a_returned_result_is_sent_back_with_the_reason(site: tuple[App, str]) -> None:
    app, base = site
    token = reply_token(app)
    send(base, token, item_id(app, "1"), "已报备", [("回执.png", png())])
    [row] = submissions(app)
    before = len(queued(app))
    leader = logged_in(base, LEADER)
    page = leader.get(f"{base}/items/{row.item_id}", timeout=10)
    assert "审核通过并销号" not in page.text  # the leaders read, they do not review
    refused = leader.post(
        f"{base}/submissions/{row.id}/approve", data={"csrf": csrf_of(page.text)}, timeout=10
    )
    assert refused.status_code == 403

    staff = logged_in(base)
    page = staff.get(f"{base}/items/{row.item_id}", timeout=10)
    empty = staff.post(
        f"{base}/submissions/{row.id}/return", data={"csrf": csrf_of(page.text), "reason": " "}, timeout=10
    )
    assert "退回时请写明原因" in empty.text
    returned = staff.post(
        f"{base}/submissions/{row.id}/return",
        data={"csrf": csrf_of(page.text), "reason": "回执看不清，请上传盖章的备案回执"},
        timeout=10,
    )
    assert "已退回，已通知责任人（1 条消息）" in returned.text
    [told] = queued(app)[before:]
    assert told.channel_code == PERSONAL and "回执看不清，请上传盖章的备案回执" in told.body
    assert "整改结果被退回：问题1" in told.subject and "张科长" in told.body
    [row] = submissions(app)
    assert row.state is SubmissionState.RETURNED and row.reviewer == "张科长"
    with session_scope(app.engine) as session:
        item = session.get(RectificationItem, row.item_id)
        assert item is not None and item.status is ItemStatus.OPEN
    again = staff.post(f"{base}/submissions/{row.id}/approve", data={"csrf": csrf_of(page.text)}, timeout=10)
    assert "由张科长审核过" in again.text  # a returned result cannot be approved afterwards


def test_approving_closes_the_item_and_queues_one_resolution(site: tuple[App, str]) -> None:
    app, base = site
    send(base, reply_token(app), item_id(app, "1"), "已抄报省商务厅备案", [("回执.png", png())])
    [row] = submissions(app)
    before = len(queued(app))
    staff = logged_in(base)
    assert staff.get(f"{base}/items/{2**40}", timeout=10).status_code == 404  # no such row, no crash
    page = staff.get(f"{base}/items/{row.item_id}", timeout=10)
    token = {"csrf": csrf_of(page.text)}
    approved = staff.post(f"{base}/submissions/{row.id}/approve", data=token, timeout=30)
    assert "已销号：问题1，“已解决”消息已排队发送" in approved.text
    [resolution] = queued(app)[before:]
    assert resolution.channel_code == PERSONAL and "已解决" in resolution.subject + resolution.body
    with session_scope(app.engine) as session:
        item = session.get(RectificationItem, row.item_id)
        assert item is not None and item.status is ItemStatus.CLOSED and item.result == "已抄报省商务厅备案"
    again = staff.post(f"{base}/submissions/{row.id}/approve", data=token, timeout=30)
    assert "由张科长审核过" in again.text
    run_evaluate(app, as_of=AS_OF + timedelta(days=1), now=app.clock(), project="pianguan")
    later = queued(app)[before + 1 :]
    assert not [d for d in later if any(k.startswith("pianguan/item/-/1/") for k in d.alert_keys)]
