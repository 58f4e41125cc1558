"""WeCom application messages: the access token's life, invalid users, untrusted IPs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.errors import ConfigurationError, DeliveryError
from notifiers.base import Format, Message
from notifiers.wecom_app import TokenCache, WeComAppNotifier
from tests.fakes.clock import FakeClock
from tests.fakes.wecom_server import FakeWeCom, running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeWeCom]:
    with running(FakeWeCom(clock=clock)) as server:
        yield server


def app(
    fake: FakeWeCom, tokens: TokenCache, *, users: tuple[str, ...] = ("gaoquan",), secret: str = ""
) -> WeComAppNotifier:
    return WeComAppNotifier(
        channel="app",
        corp_id="ww-corp",
        agent_id="1000002",
        secret=secret or fake.secret,
        users=users,
        tokens=tokens,
        api_base=fake.url,
        timeout=1,
    )


def message(n: int = 1) -> Message:
    return Message(n, "app", "督办应用", "督办提醒", f"**问题{n}** 今天到期", Format.MARKDOWN)


def test_the_token_is_reused_until_shortly_before_it_expires(fake: FakeWeCom, clock: FakeClock) -> None:
    tokens = TokenCache(clock)
    notifier = app(fake, tokens)
    for n in range(5):
        notifier.send(message(n))
        clock.advance(60 * 20)  # 0, 20, 40, 60, 80 minutes: the first token (2 h) serves them all
    assert fake.tokens_issued == 1
    clock.advance(60 * 36)  # 116 minutes after issue: inside the 5-minute safety margin
    notifier.send(message(9))
    assert fake.tokens_issued == 2
    assert len(fake.app_messages()) == 6


def test_a_token_that_expires_in_the_middle_of_a_batch_is_fetched_again(
    fake: FakeWeCom, clock: FakeClock
) -> None:
    tokens = TokenCache(clock)
    notifier = app(fake, tokens)
    for n in range(3):
        notifier.send(message(n))
    fake.expire_tokens()  # WeCom revoked it early (e.g. the secret was viewed in the admin console)
    for n in range(3, 6):
        notifier.send(message(n))
    assert fake.tokens_issued == 2
    assert [m["markdown"]["content"] for m in fake.app_messages()] == [
        f"**问题{n}** 今天到期" for n in range(6)
    ]


def test_unknown_userids_are_reported_and_the_others_get_it(fake: FakeWeCom, clock: FakeClock) -> None:
    notes = app(fake, TokenCache(clock), users=("gaoquan", "nobody", "ghost")).send(message())
    assert notes == ["以下企业微信账号无效或不在应用可见范围内，未收到：nobody、ghost"]
    assert len(fake.app_messages()) == 1


def test_nobody_valid_is_permanent(fake: FakeWeCom, clock: FakeClock) -> None:
    with pytest.raises(DeliveryError) as caught:
        app(fake, TokenCache(clock), users=("nobody",)).send(message())
    assert not caught.value.retryable and "81013" in str(caught.value)


def test_an_untrusted_ip_is_explained(fake: FakeWeCom, clock: FakeClock) -> None:
    fake.untrusted_ip = True
    with pytest.raises(DeliveryError) as caught:
        app(fake, TokenCache(clock)).send(message())
    assert not caught.value.retryable
    assert "企业可信IP" in str(caught.value) and "60020" in str(caught.value)


def test_a_wrong_secret_is_permanent_and_not_shown(fake: FakeWeCom, clock: FakeClock) -> None:
    with pytest.raises(DeliveryError) as caught:
        app(fake, TokenCache(clock), secret="wrong-secret-123").send(message())
    assert not caught.value.retryable
    assert "secret 不正确" in str(caught.value) and "wrong-secret-123" not in str(caught.value)


def test_a_long_message_is_cut_to_the_app_limit(fake: FakeWeCom, clock: FakeClock) -> None:
    body = "\n".join(f"- 问题{i}：整改措施已落实，待提交佐证材料。" for i in range(120))
    app(fake, TokenCache(clock)).send(Message(1, "app", "督办应用", "提醒", body, Format.MARKDOWN))
    contents = [m["markdown"]["content"] for m in fake.app_messages()]
    assert len(contents) > 1 and all(len(c.encode()) <= 2048 for c in contents)


@pytest.mark.parametrize(("agent", "users"), [("abc", ("gaoquan",)), ("1000002", ())])
def test_bad_settings_are_refused_up_front(agent: str, users: tuple[str, ...], clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError):
        WeComAppNotifier(
            channel="app", corp_id="c", agent_id=agent, secret="s", users=users, tokens=TokenCache(clock)
        )
