"""Email over SMTP to a group: SSL or STARTTLS, login, HTML with a plain-text alternative.

Chinese subjects, display names and attachment names are encoded by the ``email`` package's SMTP
policy (RFC 2047 / RFC 2231, UTF-8), so every client shows them as written. Inline images (a
summary's chart) are ``multipart/related`` parts the HTML refers to by ``cid:``.

Errors: 4xx replies, a dropped connection and timeouts are retried; 5xx replies, a failed login
and a certificate that does not verify are permanent. So is a mismatch between the settings and
the server, named with the setting to change: a server that wants a login none is set up for
(530 Authentication required), one that wants STARTTLS first (530 Must issue a STARTTLS command
first, or no AUTH offered before it), one without STARTTLS, one that offers no login at all.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address, Group
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from domain.errors import ConfigurationError, DeliveryError
from domain.workdays import OFFICE_TZ
from notifiers.base import Format, Message, Notifier, Part
from notifiers.escape import header_text

SECURITY = ("ssl", "starttls", "none")
# Said in the error, and matched by the administrator alert's advice (jobs/admin_alert.py).
NEEDS_LOGIN = "邮件服务器要求登录后才能发信，但没有设置登录账号"
NEEDS_TLS = "邮件服务器要求先加密连接（STARTTLS）才能发信或登录，但 DUBAN_SMTP_SECURITY 是 none"
NO_STARTTLS = "邮件服务器不支持 STARTTLS 加密"
NO_LOGIN = "邮件服务器不提供登录（AUTH）"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender_name: str = "督办提醒"
    ca_file: str | None = None  # a private CA (tests, an internal mail server)
    timeout: float = 15.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigurationError("没有设置邮件服务器：请在 .env 中设置 DUBAN_SMTP_HOST")
        if self.security not in SECURITY:
            raise ConfigurationError(
                f"DUBAN_SMTP_SECURITY 只能是 ssl、starttls 或 none，现在是“{self.security}”"
            )
        if "@" not in self.sender:
            raise ConfigurationError(
                "发件地址不对：请在 .env 中设置 DUBAN_SMTP_FROM，例如 duban@example.gov.cn"
            )
        if self.user and not self.password:
            raise ConfigurationError("设置了 DUBAN_SMTP_USER，但没有设置密码 DUBAN_SMTP_PASSWORD")


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


class EmailNotifier(Notifier):
    def __init__(
        self, *, channel: str, smtp: SmtpConfig, recipients: Sequence[Recipient], group: str = ""
    ) -> None:
        usable = [r for r in recipients if r.email and "@" in r.email]
        if not usable:
            raise ConfigurationError(f"频道 {channel} 没有可用的收件地址（成员的 email 或设置中的 to）")
        self.channel = channel
        self.smtp = smtp
        self.recipients = tuple(usable)
        self.group = group

    def secrets(self) -> Sequence[str]:
        return (self.smtp.password,) if self.smtp.password else ()

    def parts(self, message: Message) -> list[Part]:
        return [Part(0, 1, "email", message.subject)]

    def send_part(self, message: Message, part: Part) -> str | None:
        email = self.compose(message)
        try:
            with self._connect() as smtp:
                if self.smtp.user:
                    self._login(smtp)
                refused = smtp.send_message(email)
        except _SettingsMismatchError as wrong:
            raise self.fail(str(wrong), retryable=False) from None
        except UnicodeEncodeError:
            raise self.fail("邮箱用户名或密码含有非 ASCII 字符，SMTP 登录不支持", retryable=False) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise self._refused(
                "邮件服务器拒绝登录：用户名或密码（授权码）不对", exc, retryable=False
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise self.fail(
                f"邮件服务器拒收全部收件人：{'、'.join(exc.recipients)}",
                retryable=all(400 <= c < 500 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            if mismatch := self._mismatch(exc):
                raise self._refused(mismatch, exc, retryable=False) from None
            raise self._refused(
                "邮件服务器拒绝了这封邮件", exc, retryable=400 <= exc.smtp_code < 500
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise self.fail(f"邮件服务器的证书验证失败：{exc.verify_message}", retryable=False) from None
        except TimeoutError:
            raise self.fail("邮件服务器在限定时间内没有应答（超时）", retryable=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
                raise self.fail("邮件服务器在限定时间内没有应答（超时）", retryable=True) from None
            raise self.fail(
                f"连不上邮件服务器 {self.smtp.host}:{self.smtp.port}：{exc}", retryable=True
            ) from None
        if refused:
            return f"部分收件人被拒收：{'、'.join(refused)}"
        return None

    def compose(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        # Subjects and names can carry text from plan files and pages: one line each, so a CR/LF
        # in them cannot start a header (Bcc:) of its own.
        email["Subject"] = header_text(message.subject)
        email["From"] = Address(header_text(self.smtp.sender_name), addr_spec=self.smtp.sender)
        people = [Address(header_text(r.name), addr_spec=r.email) for r in self.recipients]
        email["To"] = Group(header_text(self.group), people) if self.group else people
        # The moment of sending, as mail clients expect, in Beijing time (+0800) as the office reads it.
        email["Date"] = format_datetime(datetime.now(OFFICE_TZ))
        domain = self.smtp.sender.rsplit("@", 1)[1]
        # The same delivery keeps the same Message-ID, so a mail client can fold a rare re-send;
        # the uid keeps it unique after the database (and its row ids) is rebuilt.
        uid = f".{message.uid}" if message.uid else ""
        email["Message-ID"] = (
            f"<duban.{message.channel}.{message.delivery_id}{uid}@{domain}>"
            if message.delivery_id
            else make_msgid("duban", domain=domain)
        )
        if message.format is Format.HTML:
            email.set_content(message.text or _plain(message.body), cte="base64")
            email.add_alternative(message.body, subtype="html", cte="base64")
            html = list(email.iter_parts())[1]  # the text/html alternative, beside the plain text
            for image in (a for a in message.attachments if a.inline_id):
                maintype, subtype = image.content_type.split("/", 1)
                html.add_related(
                    image.data,
                    maintype,
                    subtype,
                    cid=f"<{image.inline_id}>",
                    filename=header_text(image.filename),
                )
        else:
            email.set_content(message.text or message.body, cte="base64")
        for attachment in (a for a in message.attachments if not a.inline_id):
            maintype, subtype = attachment.content_type.split("/", 1)
            email.add_attachment(
                attachment.data, maintype, subtype, filename=header_text(attachment.filename)
            )
        return email

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.smtp.ca_file)
        if self.smtp.security == "ssl":
            return smtplib.SMTP_SSL(
                self.smtp.host, self.smtp.port, timeout=self.smtp.timeout, context=context
            )
        smtp = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout)
        try:
            if self.smtp.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise _SettingsMismatchError(NO_STARTTLS)
                smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("auth"):  # many servers offer AUTH only once the connection is encrypted
            raise _SettingsMismatchError(NEEDS_TLS if self.smtp.security == "none" else NO_LOGIN)
        smtp.login(self.smtp.user or "", self.smtp.password or "")

    def _mismatch(self, exc: smtplib.SMTPResponseException) -> str | None:
        """The settings mismatch a refusal reveals (530 wants a login or STARTTLS), if any."""
        reply = str(exc.smtp_error).lower()
        if exc.smtp_code != 530 and not (500 <= exc.smtp_code < 600 and "5.7.0" in reply):
            return None
        if "tls" in reply or "encryption" in reply:
            return NEEDS_TLS if self.smtp.security == "none" else None
        if "auth" in reply and not self.smtp.user:
            return NEEDS_LOGIN
        return None

    def _refused(self, what: str, exc: smtplib.SMTPResponseException, *, retryable: bool) -> DeliveryError:
        reply = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return self.fail(f"{what}（{exc.smtp_code} {reply[:200]}）", retryable=retryable)


class _SettingsMismatchError(Exception):
    """The server and the SMTP settings cannot work together; retrying will not change that."""


def _plain(html: str) -> str:
    from bs4 import BeautifulSoup  # here: every command builds the notifiers, few send an email

    return BeautifulSoup(html, "html.parser").get_text("\n", strip=True)
