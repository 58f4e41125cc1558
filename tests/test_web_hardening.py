"""The web page's defences against a patient attacker, on a real uvicorn server with a test clock:
the login limit, session lifetimes, security headers, cookie flags and password hashing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from argon2 import PasswordHasher
from sqlmodel import select

from bot.clock import office_morning
from bot.settings import Settings
from bot.web.config import WebConfig
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.models import LoginFailure, WebUser
from domain.errors import ConfigurationError
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES
from tests.fakes.clock import FakeClock
from tests.webkit import AS_OF, STAFF, csrf_of, logged_in, serving


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(office_morning(AS_OF))


@pytest.fixture
def site(app: App, clock: FakeClock) -> Iterator[str]:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    web = dataclasses.replace(
        WebConfig.from_app(app, as_of=AS_OF), clock=clock, idle_minutes=30, session_hours=8
    )
    with serving(app, web) as base:
        yield base


def attempt(base: str, username: str, password: str) -> requests.Response:
    browser = requests.Session()
    token = csrf_of(browser.get(f"{base}/login", timeout=10).text)
    return browser.post(
        f"{base}/login", data={"username": username, "password": password, "csrf": token}, timeout=10
    )


def test_five_failures_lock_the_name_for_fifteen_minutes_even_with_the_right_password(
    site: str, clock: FakeClock
) -> None:
    for _ in range(5):
        assert attempt(site, STAFF[0], "guess-guess").status_code == 401
        clock.advance(60)
    refused = attempt(site, STAFF[0], STAFF[1])
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 11 * 60  # the first failure ages out in 11 min
    clock.advance(11 * 60 + 1)
    assert attempt(site, STAFF[0], STAFF[1]).status_code == 200  # logged in, and the count cleared
    assert attempt(site, STAFF[0], "one more guess").status_code == 401


def test_one_address_trying_many_names_is_stopped_too(site: str, app: App) -> None:
    for n in range(5):
        attempt(site, f"user{n}", "guess-guess")
    assert attempt(site, "somebody-else", "guess-guess").status_code == 429
    with session_scope(app.engine) as session:
        rows = session.exec(select(LoginFailure)).all()
    assert len(rows) == 5 and {r.client for r in rows} == {"127.0.0.1"}  # kept in the database


def test_a_session_ends_after_thirty_idle_minutes(site: str, clock: FakeClock) -> None:
    browser = logged_in(site)
    clock.advance(29 * 60)
    assert browser.get(f"{site}/", allow_redirects=False, timeout=10).status_code == 200
    clock.advance(29 * 60)  # busy: the idle limit counts from the last request
    assert browser.get(f"{site}/", allow_redirects=False, timeout=10).status_code == 200
    clock.advance(31 * 60)
    answer = browser.get(f"{site}/", allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert "登录已过期" in browser.get(f"{site}/login", timeout=10).text


def test_a_session_ends_after_eight_hours_however_busy(site: str, clock: FakeClock) -> None:
    browser = logged_in(site)
    for _ in range(16):
        clock.advance(29 * 60)
        browser.get(f"{site}/", allow_redirects=False, timeout=10)
    assert clock() - office_morning(AS_OF) > timedelta(hours=7, minutes=40)
    clock.advance(29 * 60)
    assert browser.get(f"{site}/", allow_redirects=False, timeout=10).status_code == 303


def test_every_response_carries_the_security_headers(site: str) -> None:
    browser = logged_in(site)
    for path in ("/login", "/", "/static/style.css", "/p/none", "/evidence/1"):  # pages, files, errors
        headers = browser.get(site + path, allow_redirects=False, timeout=10).headers
        _check_headers(headers)
    _check_headers(requests.get(site + "/", allow_redirects=False, timeout=10).headers)  # a redirect


def _check_headers(headers: Any) -> None:
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain http here: HSTS only behind HTTPS


def test_behind_https_the_cookie_is_secure_and_hsts_is_sent(app: App) -> None:
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    web_settings = Settings.from_env({"DUBAN_WEB_SECURE_COOKIES": "true", "DUBAN_WEB_IDLE_MINUTES": "20"})
    app.settings = app.settings.model_copy(update=web_settings.model_dump(exclude_unset=True))
    web = WebConfig.from_app(app, as_of=AS_OF)
    assert (web.secure_cookies, web.idle_minutes) == (True, 20)
    with serving(app, web) as base:
        answer = requests.get(f"{base}/login", timeout=10)
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    cookie = answer.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_the_session_cookie_is_httponly_and_samesite(site: str) -> None:
    browser = requests.Session()
    answer = browser.get(f"{site}/login", timeout=10)
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("duban_session=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie.replace("samesite", "")  # plain http: a Secure cookie would never return


def test_passwords_are_argon2id_with_current_parameters(app: App) -> None:
    save_user(app.engine, username="wang", password="a long pass phrase")
    with session_scope(app.engine) as session:
        stored = session.exec(select(WebUser).where(WebUser.username == "wang")).one().password_hash
    assert stored.startswith("$argon2id$v=19$")
    assert "a long pass phrase" not in stored
    assert not PasswordHasher().check_needs_rehash(stored)  # the library's recommended cost, no less


@pytest.mark.parametrize(
    ("name", "value"),
    [("DUBAN_WEB_IDLE_MINUTES", "0"), ("DUBAN_WEB_SESSION_HOURS", "abc"), ("DUBAN_WEB_LOGIN_ATTEMPTS", "-1")],
)
def test_bad_web_settings_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})
