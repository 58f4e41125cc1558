"""The world the fault tests (``test_faults_outside``, ``test_faults_local``) run in.

Two counties (闻喜 and 昭化, from ``examples/``) on a real SQLite file, collecting from a backend
on 127.0.0.1 that can be told to misbehave, sending live to the fake WeCom server and aiosmtpd.
The service's own entry points run it: :func:`jobs.cycle.run_cycle` (collect → evaluate →
deliver) for a working day and :func:`jobs.triggers.send_outbox` for the five-minute sweeps.
Time is a :class:`FakeClock`, so an hour of retries takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bot.demo.backend import monthly_rows, render_monthly
from bot.demo.server import Request, Response, serve
from bot.settings import Settings
from bot.wiring import App
from collectors.base import CollectorEnv
from collectors.http import HttpClient
from domain.workdays import OFFICE_TZ
from jobs.cycle import CycleResult, run_cycle
from jobs.import_plans import import_files
from jobs.triggers import send_outbox
from notifiers.wecom_app import TokenCache
from tests.conftest import EXAMPLES
from tests.fakes.clock import FakeClock
from tests.fakes.smtp_server import Mailbox, smtp_server
from tests.fakes.wecom_server import FakeWeCom, running

KEY = "key-wenxi"
KEYS = {"DUBAN_WECOM_KEY_WENXI": KEY, "DUBAN_WECOM_KEY_ZHAOHUA": "key-zhaohua"}
DEAD_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
FIGURES = 9  # what the 闻喜 backend page yields when it is well


class Backend:
    """The 闻喜 statistics page, which can be told to be slow, fail, talk nonsense or change."""

    def __init__(self) -> None:
        self.fault: str | None = None

    def page(self, _request: Request) -> Response:
        rows = monthly_rows()
        if self.fault == "slow":
            return Response(200, render_monthly(rows), "text/html; charset=gbk", delay=1.0)
        if self.fault == "http-500":
            return Response(500, "<html><body>系统繁忙，请稍后再试</body></html>".encode("gbk"))
        if self.fault == "garbage":
            return Response(200, bytes(range(256)) * 8, "text/html")
        if self.fault == "layout":
            renamed = [{("统计期" if k == "月份" else k): v for k, v in row.items()} for row in rows]
            return Response(200, render_monthly(renamed), "text/html; charset=gbk")
        return Response(200, render_monthly(rows), "text/html; charset=gbk")


@dataclass
class County:
    app: App
    clock: FakeClock
    wecom: FakeWeCom
    mail: Mailbox
    backend: Backend
    backend_url: str

    def cycle(self) -> CycleResult:
        now = self.clock()
        return run_cycle(self.app, as_of=now.astimezone(OFFICE_TZ).date(), now=now, trigger="scheduled")

    def sweep(self) -> None:
        send_outbox(self.app, now=self.clock(), clock=self.clock)

    def next_day(self) -> None:
        self.clock.advance(24 * 3600)

    def robot(self) -> list[str]:
        """What the 闻喜 group received (markdown and text), in order."""
        return [m[m["msgtype"]]["content"] for m in self.wecom.robot_messages(KEY)]

    def session(self) -> Session:
        return Session(self.app.engine)


def live_app(
    data_dir: Path,
    *,
    wecom_url: str,
    smtp_port: int,
    environ: dict[str, str],
    clock: FakeClock,
    timeout: float,
) -> App:
    """An app that delivers for real to the local WeCom server and SMTP server, on a fake clock."""
    settings = Settings(
        data_dir=data_dir,
        delivery="live",
        wecom_api_base=wecom_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_from="duban@example.com",
        admin_email="admin@example.com",
        http_timeout=timeout,
    )
    app = App.build(settings, environ)
    app.tokens = TokenCache(clock)
    app._collector_env = CollectorEnv(HttpClient(timeout=timeout, backoff=0.01), settings.data_dir)
    return app


@contextmanager
def make_county(tmp_path: Path) -> Iterator[County]:
    clock = FakeClock(datetime(2023, 10, 12, 1, 0, tzinfo=UTC))  # Thursday 09:00 in Beijing
    backend = Backend()
    with (
        serve({"/wenxi/monthly": backend.page}) as site,
        running(FakeWeCom(clock=clock, robot_keys=set(KEYS.values()))) as wecom,
        smtp_server(tmp_path) as mail,
    ):
        app = live_app(
            tmp_path / "data",
            wecom_url=wecom.url,
            smtp_port=mail.port,
            environ={**KEYS, "DUBAN_DEMO_BACKEND_URL": site.url},
            clock=clock,
            timeout=0.5,
        )
        app.init_database()
        import_files(app.engine, [EXAMPLES / "wenxi.yaml", EXAMPLES / "zhaohua.yaml"])
        yield County(app, clock, wecom, mail, backend, site.url)
        app.engine.dispose()


def admin_mail(county: County) -> list[str]:
    return [
        m.get_body(("plain",)).get_content() for m in county.mail.received if "admin@example.com" in m["To"]
    ]
