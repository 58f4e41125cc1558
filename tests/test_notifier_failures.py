"""One failure matrix for every channel: what a failure looks like, and whether it is retried.

Each notifier meets a refused connection, a server that does not answer in time, a server error
and a refusal in the protocol's own terms (WeCom: HTTP 200 with a non-zero errcode; SMTP: a
reply code). Every error and every log line is then checked for the channel's secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from domain.errors import DeliveryError
from notifiers.base import Format, Message, Notifier
from notifiers.email import EmailNotifier, Recipient, SmtpConfig
from notifiers.wecom_app import TokenCache, WeComAppNotifier
from notifiers.wecom_robot import WeComRobotNotifier
from tests.fakes.clock import FakeClock
from tests.fakes.smtp_server import free_port, silent_server, smtp_server
from tests.fakes.wecom_server import FakeWeCom, running

ROBOT_KEY, APP_SECRET, SMTP_PASSWORD = "robot-key-1", "app-secret-value", "smtp-pass-word-1"
TIMEOUT = 0.3
MESSAGE = Message(3, "chan", "频道", "督办提醒", "**问题1** 今天到期", Format.MARKDOWN, ("高权",))
HTML = Message(3, "chan", "频道", "督办提醒", "<p>问题1 今天到期</p>", Format.HTML, text="问题1 今天到期")

Setup = Callable[[Path], AbstractContextManager[Notifier]]


@contextmanager
def wecom(kind: str, *, inject: tuple[int | str, ...] = (), url: str | None = None) -> Iterator[Notifier]:
    with running(FakeWeCom(hang_seconds=TIMEOUT * 3)) as fake:
        fake.inject(*inject)
        base = url or fake.url
        if kind == "robot":
            yield WeComRobotNotifier(channel="chan", webhook_key=ROBOT_KEY, api_base=base, timeout=TIMEOUT)
        else:
            yield WeComAppNotifier(
                channel="chan",
                corp_id=fake.corp_id,
                agent_id=str(fake.agent_id),
                secret=APP_SECRET,
                users=["gaoquan"],
                tokens=TokenCache(FakeClock()),
                api_base=base,
                timeout=TIMEOUT,
            )


def email(port: int, *, login: bool = True) -> EmailNotifier:
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="duban@example.com",
        security="none",
        user="duban" if login else None,
        password=SMTP_PASSWORD if login else None,
        timeout=TIMEOUT,
    )
    return EmailNotifier(channel="chan", smtp=smtp, recipients=[Recipient("张主任", "zhang@example.com")])


@contextmanager
def smtp_replying(tmp_path: Path, reply: str) -> Iterator[Notifier]:
    with smtp_server(tmp_path, login=("duban", SMTP_PASSWORD)) as box:
        box.reply_next.append(reply)
        yield email(box.port)


@contextmanager
def smtp_silent(_: Path) -> Iterator[Notifier]:
    with silent_server() as port:
        yield email(port)


@contextmanager
def refused(kind: str) -> Iterator[Notifier]:
    port = free_port()  # nothing listens there
    if kind == "email":
        yield email(port)
    else:
        with wecom(kind, url=f"http://127.0.0.1:{port}") as notifier:
            yield notifier


MATRIX: list[tuple[str, str, Setup, bool, str]] = [
    # channel, failure, setup, retryable, words the error must contain
    ("robot", "connection refused", lambda _: refused("robot"), True, "连不上"),
    ("robot", "timeout", lambda _: wecom("robot", inject=("timeout",)), True, "超时"),
    ("robot", "HTTP 502", lambda _: wecom("robot", inject=(502,)), True, "HTTP 502"),
    ("robot", "200 errcode -1", lambda _: wecom("robot", inject=(-1,)), True, "繁忙"),
    ("robot", "200 errcode 93000", lambda _: wecom("robot", inject=(93000,)), False, "key 无效"),
    ("app", "connection refused", lambda _: refused("app"), True, "连不上"),
    ("app", "timeout", lambda _: wecom("app", inject=("timeout",)), True, "超时"),
    ("app", "HTTP 503", lambda _: wecom("app", inject=(503,)), True, "HTTP 503"),
    ("app", "200 errcode -1", lambda _: wecom("app", inject=(0, -1)), True, "繁忙"),
    ("app", "200 errcode 60020", lambda _: wecom("app", inject=(0, 60020)), False, "可信IP"),
    ("email", "connection refused", lambda _: refused("email"), True, "连不上"),
    ("email", "timeout", smtp_silent, True, "超时"),
    ("email", "SMTP 451", lambda p: smtp_replying(p, "451 4.3.0 try later"), True, "451"),
    ("email", "SMTP 554", lambda p: smtp_replying(p, "554 5.7.1 rejected"), False, "554"),
]


@pytest.mark.parametrize(
    ("channel", "failure", "setup", "retryable", "words"), MATRIX, ids=[f"{c}-{f}" for c, f, *_ in MATRIX]
)
def test_failure_matrix(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    channel: str,
    failure: str,
    setup: Setup,
    retryable: bool,
    words: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    with setup(tmp_path) as notifier, pytest.raises(DeliveryError) as caught:
        notifier.send(HTML if channel == "email" else MESSAGE)
    error = caught.value
    assert error.retryable is retryable, str(error)
    assert words in str(error)
    logging.getLogger("duban.test").warning("%s", error)  # as the delivery job logs it
    for secret in (ROBOT_KEY, APP_SECRET, SMTP_PASSWORD, "token-1-"):
        assert secret not in str(error)
        assert secret not in caplog.text, f"{secret} in a log line"


def test_the_transport_log_hides_the_key_even_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with wecom("robot") as notifier:
        notifier.send(MESSAGE)
    assert "webhook/send?key=***" in caplog.text  # the request line is logged, its key is not
    assert ROBOT_KEY not in caplog.text
