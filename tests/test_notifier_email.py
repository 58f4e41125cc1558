"""Email against a real SMTP server (aiosmtpd): TLS modes, login, Chinese headers, attachments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from domain.errors import ConfigurationError, DeliveryError
from jobs.admin_alert import advice_for
from notifiers.base import Attachment, Format, Message
from notifiers.email import EmailNotifier, Recipient, SmtpConfig
from tests.fakes.smtp_server import smtp_server

SUBJECT = "【督办提醒】偏关县乡村e镇建设项目：14 项需关注（2023-10-12）"
PEOPLE = [Recipient("张主任", "zhangzhuren@example.com"), Recipient("高权", "gaoquan@example.com")]
HTML = '<html><body><p>高权、王雪：以下 14 项整改事项今天到期</p><img src="cid:chart"></body></html>'


def notifier(
    port: int,
    *,
    security: str = "none",
    ca_file: str | None = None,
    login: bool = False,
    password: str = "auth-code-secret",
) -> EmailNotifier:
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="duban@example.com",
        security=security,
        user="duban" if login else None,
        password=password if login else None,
        ca_file=ca_file,
        timeout=2,
    )
    return EmailNotifier(channel="leaders", smtp=smtp, recipients=PEOPLE, group="偏关县乡村e镇工作领导小组")


def message(attachments: tuple[Attachment, ...] = (), uid: str = "") -> Message:
    return Message(
        12,
        "leaders",
        "领导小组",
        SUBJECT,
        HTML,
        Format.HTML,
        text="高权、王雪：以下 14 项整改事项今天到期",
        attachments=attachments,
        uid=uid,
    )


@pytest.mark.parametrize(
    ("security", "login"),
    [("none", False), ("none", True), ("starttls", True), ("ssl", True), ("ssl", False)],
)
def test_chinese_subject_and_names_arrive_as_written(tmp_path: Path, security: str, login: bool) -> None:
    credentials = ("duban", "auth-code-secret") if login else None
    with smtp_server(tmp_path, security=security, login=credentials) as box:
        notifier(box.port, security=security, ca_file=box.ca_file, login=login).send(message())
    (mail,) = box.received
    assert mail["Subject"] == SUBJECT
    assert mail["To"].addresses[0].display_name == "张主任"
    assert str(mail["To"]).startswith("偏关县乡村e镇工作领导小组:")
    assert mail["From"].addresses[0].display_name == "督办提醒"
    assert mail["Message-ID"] == "<duban.leaders.12@example.com>"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and "今天到期" in plain.get_content()
    assert html is not None and "今天到期" in html.get_content()
    assert box.logins == (["duban"] if login else [])
    assert sorted(box.envelopes[0][1]) == ["gaoquan@example.com", "zhangzhuren@example.com"]


def test_date_is_beijing_time_and_message_id_survives_a_rebuilt_database(tmp_path: Path) -> None:
    """Row 12 of a rebuilt database is another message: its uid (dedup key and creation time)
    differs, so the Message-ID does too, while a resend of the same row keeps its own."""
    with smtp_server(tmp_path) as box:
        sender = notifier(box.port)
        sender.send(message(uid="a1b2c3"))
        sender.send(message(uid="a1b2c3"))
        sender.send(message(uid="d4e5f6"))
    first, resent, rebuilt = box.received
    assert first["Date"].endswith("+0800")
    assert first["Message-ID"] == resent["Message-ID"] == "<duban.leaders.12.a1b2c3@example.com>"
    assert rebuilt["Message-ID"] == "<duban.leaders.12.d4e5f6@example.com>"


def test_inline_chart_and_attached_ledger(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    chart = Attachment("图表.png", "image/png", png, inline_id="chart")
    ledger = Attachment(
        "偏关县整改台账2023年10月.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    )
    with smtp_server(tmp_path) as box:
        notifier(box.port).send(message((chart, ledger)))
    (mail,) = box.received
    related = [p for p in mail.walk() if p.get("Content-ID") == "<chart>"]
    assert related and related[0].get_content() == png
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "偏关县整改台账2023年10月.xlsx"
    assert attached.get_content() == b"PK\x03\x04"


def test_a_wrong_password_is_permanent_and_not_shown(tmp_path: Path) -> None:
    with (
        smtp_server(tmp_path, security="starttls", login=("duban", "right")) as box,
        pytest.raises(DeliveryError) as caught,
    ):
        notifier(box.port, security="starttls", ca_file=box.ca_file, login=True, password="wrong-pass").send(
            message()
        )
    assert not caught.value.retryable and "授权码" in str(caught.value)


def test_a_non_ascii_password_is_refused_clearly(tmp_path: Path) -> None:
    with (
        smtp_server(tmp_path, security="starttls", login=("duban", "right")) as box,
        pytest.raises(DeliveryError) as caught,
    ):
        notifier(box.port, security="starttls", ca_file=box.ca_file, login=True, password="密码").send(
            message()
        )
    assert not caught.value.retryable and "ASCII" in str(caught.value)
    assert "wrong-pass" not in str(caught.value)


def test_an_untrusted_certificate_is_permanent(tmp_path: Path) -> None:
    with smtp_server(tmp_path, security="ssl") as box, pytest.raises(DeliveryError) as caught:
        notifier(box.port, security="ssl").send(message())  # no ca_file: the test CA is unknown
    assert not caught.value.retryable and "证书" in str(caught.value)


@pytest.mark.parametrize(
    ("reply", "retryable"), [("451 4.3.0 try again later", True), ("554 5.7.1 rejected", False)]
)
def test_smtp_refusals_decide_whether_to_retry(tmp_path: Path, reply: str, retryable: bool) -> None:
    with smtp_server(tmp_path) as box:
        box.reply_next.append(reply)
        with pytest.raises(DeliveryError) as caught:
            notifier(box.port).send(message())
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    ("server", "client", "said", "advice"),
    [
        # 530 Authentication required: the sender has no login set
        ({"login": ("duban", "auth-code-secret")}, {}, "要求登录后才能发信", "DUBAN_SMTP_USER 和"),
        # 530 Must issue a STARTTLS command first: security none against a STARTTLS-only server
        ({"security": "starttls"}, {}, "要求先加密连接", "DUBAN_SMTP_SECURITY 设为 starttls"),
        # the same server with a login set: it offers no AUTH before STARTTLS (was retried as a
        # connection problem)
        (
            {"security": "starttls", "login": ("duban", "auth-code-secret")},
            {"login": True},
            "要求先加密连接",
            "DUBAN_SMTP_SECURITY 设为 starttls",
        ),
        # security starttls against a server without it (was retried as a connection problem)
        ({}, {"security": "starttls"}, "不支持 STARTTLS", "DUBAN_SMTP_SECURITY 改为 ssl"),
    ],
)
def test_settings_the_server_refuses_are_permanent_with_the_setting_to_change(
    tmp_path: Path, server: dict[str, Any], client: dict[str, Any], said: str, advice: str
) -> None:
    with smtp_server(tmp_path, **server) as box, pytest.raises(DeliveryError) as caught:
        notifier(box.port, **client).send(message())
    error = str(caught.value)
    assert not caught.value.retryable, error
    assert said in error
    assert advice in advice_for(error) and "垃圾邮件" not in advice_for(error)
    assert "auth-code-secret" not in error
    assert box.received == []


def test_settings_that_cannot_work_are_refused_up_front() -> None:
    with pytest.raises(ConfigurationError, match="DUBAN_SMTP_HOST"):
        SmtpConfig(host="", port=25, sender="a@b.c")
    with pytest.raises(ConfigurationError, match="DUBAN_SMTP_PASSWORD"):
        SmtpConfig(host="h", port=25, sender="a@b.c", user="u")
    with pytest.raises(ConfigurationError, match="收件地址"):
        EmailNotifier(
            channel="x", smtp=SmtpConfig(host="h", port=25, sender="a@b.c"), recipients=[Recipient("甲", "")]
        )
