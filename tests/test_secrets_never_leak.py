"""No secret, anywhere: a whole cycle with every kind of secret set, and failures on every channel.

Secrets come from the environment only (plan files hold ``${NAME}`` references): a backend login
password, a group robot key (one good, one revoked), the WeCom application secret and its access
tokens, the SMTP password and the web page's cookie-signing key. The cycle runs with live delivery
to the local WeCom server (which refuses, times out and answers 5xx first) and to a real SMTP
server, with every logger at DEBUG. Then every log record, every exception, every byte under the
data directory (the SQLite database and its WAL, evidence, outbox) and the web pages are searched
for each secret value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from bot.clock import office_morning
from bot.demo.server import serve
from bot.settings import Settings
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.models import Channel
from domain.errors import DubanError
from jobs.channel_check import send_test_message
from jobs.cycle import run_cycle
from jobs.import_plans import import_files
from notifiers.base import Format, Message
from tests.dbdump import dump
from tests.fakes.clock import FakeClock
from tests.fakes.portal import Portal
from tests.fakes.smtp_server import smtp_server
from tests.fakes.wecom_server import FakeWeCom, running
from tests.webkit import STAFF, logged_in, serving

AS_OF = date(2023, 10, 16)
ROBOT_KEY = "robotkey-5b1f0c7e9a"
REVOKED_KEY = "revokedkey-77c2d94e"
APP_SECRET = "appsecret-0d9f8e7c6b"
SMTP_PASSWORD = "smtp-pass-3a4b5c6d"
PORTAL_PASSWORD = "portalpass-Tc#2023"
WRONG_PASSWORD = "wrongpass-9z8y7x"
WEB_SECRET = "websecret-" + "k" * 40
URL_PASSWORD = "urlpass-Hq81zz"  # written into a backend URL: http://audit:PASS@host/
SECRETS = (
    ROBOT_KEY,
    REVOKED_KEY,
    APP_SECRET,
    SMTP_PASSWORD,
    PORTAL_PASSWORD,
    WRONG_PASSWORD,
    WEB_SECRET,
    URL_PASSWORD,
)

PLAN = """\
project: {{code: sec, name: 保密测试县乡村e镇, county: 保密测试县}}
people:
  - {{name: 高权, mobile: "13800000001", wecom_userid: gaoquan, email: gaoquan@example.com}}
  - {{name: 王雪, mobile: "13800000002", wecom_userid: wangxue}}
channels:
  - {{code: work, kind: wecom_robot, name: 工作群, members: [高权, 王雪],
     settings: {{webhook_key: "${{SEC_ROBOT_KEY}}"}}}}
  - {{code: old, kind: wecom_robot, name: 旧群, members: [高权],
     settings: {{webhook_key: "${{SEC_REVOKED_KEY}}"}}}}
  - {{code: app, kind: wecom_app, name: 应用消息, members: [高权, 王雪]}}
  - {{code: leaders, kind: email, name: 领导小组, members: [高权], leadership: true}}
sources:
  - code: backend
    kind: html
    settings: {{url: "{portal}/admin/report", login_url: "{portal}/login",
               username: "${{SEC_PORTAL_USER}}", password: "${{SEC_PORTAL_PASSWORD}}"}}
  - code: locked
    kind: html
    settings: {{url: "{portal}/admin/report", login_url: "{portal}/login",
               username: "${{SEC_PORTAL_USER}}", password: "${{SEC_WRONG_PASSWORD}}"}}
  - code: basic
    kind: html
    settings: {{url: "${{SEC_BASIC_URL}}/admin/missing"}}
indicators:
  - {{code: S36, name: 网络零售额, unit: 万元, target: 5000, source: backend,
     source_field: 网络零售额（万元）}}
  - {{code: S37, name: 订单量, unit: 万元, target: 5000, source: locked,
     source_field: 网络零售额（万元）}}
  - {{code: S38, name: 快递量, unit: 万元, target: 5000, source: basic,
     source_field: 网络零售额（万元）}}
rectification:
  year: 2023
  items:
    - {{number: 1, problem: 实施方案未报备, persons: 高权, deadline: 2023年10月10日}}
    - {{number: 2, problem: 站点台账不全, persons: 王雪, deadline: 2023年10月18日}}
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[App, FakeWeCom, object]]:
    portal = Portal(password=PORTAL_PASSWORD)
    clock = FakeClock(office_morning(AS_OF))
    with (
        serve(portal.routes()) as backend,
        running(FakeWeCom(clock=clock, robot_keys={ROBOT_KEY}, secret=APP_SECRET)) as fake,
        smtp_server(tmp_path, security="none", login=("duban", SMTP_PASSWORD)) as box,
    ):
        settings = Settings(
            data_dir=tmp_path / "data",
            delivery="live",
            wecom_api_base=fake.url,
            wecom_corp_id="ww-corp",
            wecom_agent_id="1000002",
            smtp_host="127.0.0.1",
            smtp_port=box.port,
            smtp_security="none",
            smtp_user="duban",
            smtp_from="duban@example.com",
            http_timeout=0.5,
            admin_channel="work",
        )
        environ = {
            "SEC_ROBOT_KEY": ROBOT_KEY,
            "SEC_REVOKED_KEY": REVOKED_KEY,
            "DUBAN_WECOM_SECRET": APP_SECRET,
            "DUBAN_SMTP_PASSWORD": SMTP_PASSWORD,
            "SEC_PORTAL_USER": portal.username,
            "SEC_PORTAL_PASSWORD": PORTAL_PASSWORD,
            "SEC_WRONG_PASSWORD": WRONG_PASSWORD,
            "SEC_BASIC_URL": backend.url.replace("http://", f"http://audit:{URL_PASSWORD}@"),
            "DUBAN_WEB_SECRET": WEB_SECRET,
        }
        app = App.build(settings, environ)
        app.init_database()
        plan = tmp_path / "sec.yaml"
        plan.write_text(PLAN.format(portal=backend.url), encoding="utf-8")
        import_files(app.engine, [plan])
        yield app, fake, box
        app.engine.dispose()


def test_no_secret_in_logs_errors_database_files_or_pages(
    world: tuple[App, FakeWeCom, object], caplog: pytest.LogCaptureFixture
) -> None:
    app, fake, box = world
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    fake.hang_seconds = 0.8
    fake.inject(502, "timeout", -1, 40001)  # the first sends fail: down, hanging, busy, bad secret
    result = run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF), trigger="manual")
    assert result.collected is not None and len(result.collected.failures) == 2  # locked, basic
    assert any("audit:***@" in failure for failure in result.collected.failures)
    assert result.delivered.dead or result.delivered.retrying
    for code in ("work", "old", "app", "leaders", "admin"):  # duban notify-test against each channel
        fake.inject(502)
        outcome = send_test_message(app, code, project="sec", now=office_morning(AS_OF))
        errors += [outcome.problem, outcome.advice, repr(outcome)]
    fake._script.clear()  # what the cycle left unused
    for code, outcome in (("old", None), ("app", 40001)):
        if outcome:
            fake.inject(outcome)
        with pytest.raises(DubanError) as caught:  # the notifier's own exception, as the sender sees it
            app.live_notifier(_channel(app, code)).send(_message(code))
        errors += [str(caught.value), repr(caught.value), repr(app.live_notifier(_channel(app, code)))]
    assert any("93000" in e for e in errors), errors
    later = AS_OF + timedelta(days=1)  # the failed ones are due again
    run_cycle(app, as_of=later, now=office_morning(later), trigger="manual", collect_first=False)
    assert fake.received and box.received  # delivery did work once the channels were back

    tokens = {m.payload.get("access_token") for m in fake.received if m.payload.get("access_token")}
    secrets = (*SECRETS, *tokens)
    places: dict[str, str] = {
        "log": "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records),
        "errors": "\n".join(errors),
        "database": repr(dump(app.engine)),
        "mail": "\n".join(m.as_string() for m in box.received),
        "wecom": repr([m.payload for m in fake.received]),
    }
    for path in sorted(p for p in app.settings.data_dir.rglob("*") if p.is_file()):
        places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    with serving(app) as base:
        browser = logged_in(base)
        for page in ("/", "/p/sec", "/p/none", "/login", "/static/style.css"):
            answer = browser.get(base + page, timeout=10)
            places[f"web {page}"] = f"{answer.headers!r}\n{answer.text}"
        places["web cookie"] = repr(browser.cookies.get_dict())
        places["web anonymous"] = requests.get(base + "/", timeout=10).text
    assert "保密测试县" in places["web /p/sec"]
    for secret in secrets:
        for where, text in places.items():
            assert secret not in text, f"{secret!r} appears in {where}"


def _channel(app: App, code: str) -> Channel:
    with session_scope(app.engine) as session:
        return session.exec(select(Channel).where(Channel.code == code)).one()


def _message(code: str) -> Message:
    return Message(0, code, code, "测试", "**测试**", Format.MARKDOWN)
