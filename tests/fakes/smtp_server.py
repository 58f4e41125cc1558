"""A real SMTP server on 127.0.0.1 (aiosmtpd): plain, STARTTLS or implicit TLS, with or without AUTH.

Certificates come from a throwaway CA made in the test (trustme); the client trusts it through
``ca_file``, as an office with an internal mail server would. Received mail is parsed with the
standard library, as a mail client would read it. ``reply_next`` scripts SMTP refusals.
"""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Mailbox:
    port: int = 0
    ca_file: str | None = None
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reply_next: list[str] = field(default_factory=list)  # e.g. "451 4.3.0 try again later"
    logins: list[str] = field(default_factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.box.reply_next:
            return self.box.reply_next.pop(0)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.box.received.append(message)  # type: ignore[arg-type]
        self.box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def _authenticator(box: Mailbox, user: str, password: str) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        if ok:
            box.logins.append(user)
        return AuthResult(success=ok, handled=False)

    return check


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_server(
    tmp_path: Path, *, security: str = "none", login: tuple[str, str] | None = None
) -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    kwargs: dict[str, Any] = {}
    if security != "none":
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        box.ca_file = str(tmp_path / "ca.pem")
        ca.cert_pem.write_to_path(box.ca_file)
        if security == "ssl":
            kwargs["ssl_context"] = context
        else:
            kwargs.update(tls_context=context, require_starttls=True)
    if login is not None:
        kwargs.update(
            authenticator=_authenticator(box, *login),
            auth_required=True,
            auth_require_tls=security == "starttls",
        )
    with warnings.catch_warnings():  # AUTH without TLS is what the plain-SMTP test is about
        warnings.simplefilter("ignore", UserWarning)
        controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port, **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word: the client must time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
