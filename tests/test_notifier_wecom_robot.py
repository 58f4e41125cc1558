"""The WeCom group robot against the local WeCom-compatible server."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from domain.errors import ConfigurationError, DeliveryError
from notifiers.base import Attachment, Format, Message
from notifiers.split import utf8_len
from notifiers.wecom_robot import Contact, WeComRobotNotifier
from tests.fakes.wecom_server import FakeWeCom, running

CONTACTS = {
    "高权": Contact("高权", "13800000001", "gaoquan"),
    "王雪": Contact("王雪", "13800000002", None),
    "张主任": Contact("张主任", None, "zhangzhuren"),
    "李四": Contact("李四"),
}
LINE = "- 问题{}：专项资金未下拨。中标单位未提供垫付资金支出所有财务资料，无法判定资金使用的合规性。"


@pytest.fixture
def fake() -> Iterator[FakeWeCom]:
    with running(FakeWeCom()) as server:
        yield server


def robot(fake: FakeWeCom, key: str = "robot-key-1") -> WeComRobotNotifier:
    return WeComRobotNotifier(
        channel="work", webhook_key=key, contacts=CONTACTS, api_base=fake.url, timeout=1
    )


def message(body: str, mentions: tuple[str, ...] = ()) -> Message:
    return Message(7, "work", "偏关县乡村e镇工作群", "督办提醒", body, Format.MARKDOWN, mentions)


def test_ten_kilobyte_digest_goes_out_in_parts_the_server_accepts(fake: FakeWeCom) -> None:
    body = "## 偏关县 · 督办提醒\n" + "\n".join(LINE.format(i) for i in range(76))
    assert 10_000 < utf8_len(body) <= 3 * 4096 - 3 * 64
    robot(fake).send(message(body))
    sent = fake.robot_messages()
    contents = [m["markdown"]["content"] for m in sent]
    assert len(sent) == 3 and all(m["msgtype"] == "markdown" for m in sent)
    assert all(utf8_len(c) <= 4096 for c in contents)
    assert "（1/3）" in contents[0] and contents[1].startswith("> 接上条（2/3）")
    received = [ln for c in contents for ln in c.split("\n") if ln.startswith("- 问题")]
    assert received == [LINE.format(i) for i in range(76)]  # every line once, whole, in order


def test_mentions_by_userid_are_inline_in_markdown(fake: FakeWeCom) -> None:
    robot(fake).send(message("**整改逾期**\n- 问题1", ("高权", "张主任")))
    (sent,) = fake.robot_messages()
    assert sent["msgtype"] == "markdown"
    assert sent["markdown"]["content"].endswith("<@gaoquan> <@zhangzhuren>")


def test_a_short_digest_that_must_at_a_mobile_goes_as_one_text(fake: FakeWeCom) -> None:
    notes = robot(fake).send(message("**整改逾期**\n- 问题1", ("高权", "王雪", "李四")))
    (sent,) = fake.robot_messages()
    assert sent["msgtype"] == "text"
    assert sent["text"]["content"] == "整改逾期\n- 问题1"  # markdown signs removed
    assert sent["text"]["mentioned_list"] == ["gaoquan"]
    assert sent["text"]["mentioned_mobile_list"] == ["13800000002"]
    assert notes == ["无法 @：李四（没有手机号或企业微信账号）"]


def test_a_long_digest_that_must_at_a_mobile_ends_with_a_text_tail(fake: FakeWeCom) -> None:
    lines = [LINE.format(i) for i in range(40)]  # about 5.6 KB
    body = "**【紧急】整改逾期 40 项**\n" + "\n".join(lines) + "\n请各责任人按时限落实。"
    robot(fake).send(message(body, ("王雪",)))
    first, tail = fake.robot_messages()
    assert first["msgtype"] == "markdown" and tail["msgtype"] == "text"  # two messages, as without @
    assert tail["text"]["mentioned_mobile_list"] == ["13800000002"]
    assert tail["text"]["content"].endswith("请各责任人按时限落实。")
    assert len(tail["text"]["content"].encode()) <= 2048
    got = [ln for ln in first["markdown"]["content"].split("\n") + tail["text"]["content"].split("\n")]
    assert [ln for ln in got if ln.startswith("- 问题")] == lines


def test_mentions_fall_back_to_a_short_text_when_the_tail_cannot_be_one(fake: FakeWeCom) -> None:
    body = "- " + "很长的一行" * 530  # cut into two pieces, the last still longer than a text message
    robot(fake).send(message(body, ("王雪",)))
    *digest, mention = fake.robot_messages()
    assert all(m["msgtype"] == "markdown" for m in digest)
    assert mention["text"]["content"] == "请 王雪 查看上面的督办提醒，按时限落实。"


def test_a_chart_goes_as_an_image_message(fake: FakeWeCom) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    chart = Attachment("chart.png", "image/png", png, inline_id="chart")
    sheet = Attachment("台账.xlsx", "application/vnd.ms-excel", b"xlsx")
    msg = Message(8, "work", "群", "周报", "**周报**", Format.MARKDOWN, attachments=(chart, sheet))
    robot(fake).send(msg)
    digest, image = fake.robot_messages()
    assert digest["msgtype"] == "markdown"  # the ledger (.xlsx) goes by email only
    assert image["msgtype"] == "image" and base64.b64decode(image["image"]["base64"]) == png


@pytest.mark.parametrize(
    ("errcode", "retryable"),
    [(-1, True), (45009, True), (93000, False), (40058, False), (40008, False), (12345, False)],
)
def test_errcodes_in_an_http_200_decide_whether_to_retry(
    fake: FakeWeCom, errcode: int, retryable: bool
) -> None:
    fake.inject(errcode)
    with pytest.raises(DeliveryError) as caught:
        robot(fake).send(message("x"))
    assert caught.value.retryable is retryable
    assert f"errcode {errcode}" in str(caught.value)
    assert "robot-key-1" not in str(caught.value)


def test_an_unknown_key_is_permanent_and_says_what_to_do(fake: FakeWeCom) -> None:
    with pytest.raises(DeliveryError) as caught:
        robot(fake, key="no-such-robot-key").send(message("x"))
    assert not caught.value.retryable
    assert "重新添加机器人" in str(caught.value) and "no-such-robot-key" not in str(caught.value)


@pytest.mark.parametrize("key", ["", "  ", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"])
def test_a_malformed_key_is_refused_before_anything_is_sent(key: str) -> None:
    with pytest.raises(ConfigurationError):
        WeComRobotNotifier(channel="work", webhook_key=key)


def test_printing_a_notifier_shows_no_key(fake: FakeWeCom) -> None:
    assert "robot-key-1" not in repr(robot(fake))
