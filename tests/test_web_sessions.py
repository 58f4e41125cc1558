"""Logins kept on the server: logout, a new password and an administrator end them for every copy
of the cookie, on a real uvicorn server. The new password and the revoke go through the real
``duban user`` commands, in their own process, as an administrator would run them."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from bot.clock import office_morning
from bot.web.config import WebConfig
from bot.web.users import save_user
from bot.wiring import App
from db.engine import session_scope
from db.models import WebSession
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES
from tests.fakes.clock import FakeClock
from tests.test_cli import duban
from tests.webkit import AS_OF, LEADER, STAFF, csrf_of, logged_in, serving

COOKIE = "duban_session"


@pytest.fixture
def site(app: App) -> Iterator[str]:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    save_user(app.engine, username=LEADER[0], password=LEADER[1], display_name=LEADER[2], role="province")
    with serving(app) as base:
        yield base


def copy_of(browser: requests.Session) -> requests.Session:
    """Another browser holding the same cookie, as someone who copied it would."""
    thief = requests.Session()
    thief.cookies.set(COOKIE, browser.cookies[COOKIE])
    return thief


def is_in(browser: requests.Session, base: str) -> bool:
    answer = browser.get(f"{base}/", allow_redirects=False, timeout=10)
    assert answer.status_code in (200, 303)
    return answer.status_code == 200


def user_command(app: App, *args: str, stdin: str | None = None) -> str:
    """``duban user …`` in its own process on the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(COLUMNS="200", DUBAN_DATA_DIR=str(app.settings.data_dir))
    if app.settings.database_url:
        env["DUBAN_DATABASE_URL"] = app.settings.database_url
    done = subprocess.run(
        [sys.executable, "-m", "bot", "user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def logout(browser: requests.Session, base: str) -> None:
    token = csrf_of(browser.get(f"{base}/", timeout=10).text)
    answer = browser.post(f"{base}/logout", data={"csrf": token}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


@pytest.mark.both_databases
def test_a_cookie_copied_before_logout_fails_after_it(site: str, app: App) -> None:
    browser = logged_in(site)
    thief = copy_of(browser)
    assert is_in(thief, site)  # the copy works while the login is open
    logout(browser, site)
    assert not is_in(thief, site)
    assert not is_in(browser, site)
    with session_scope(app.engine) as session:
        assert session.exec(select(WebSession)).all() == []


@pytest.mark.both_databases
def test_a_new_password_ends_the_logins_opened_with_the_old_one(site: str, app: App) -> None:
    before, other = logged_in(site), logged_in(site, LEADER)
    user_command(app, "add", STAFF[0], "--password-stdin", stdin="a brand new password\n")
    assert not is_in(before, site)
    assert not is_in(copy_of(before), site)
    assert is_in(other, site)  # someone else's login is not touched
    again = logged_in(site, (STAFF[0], "a brand new password", STAFF[2]))
    assert is_in(again, site)


@pytest.mark.both_databases
def test_an_administrator_ends_every_login_of_a_user(site: str, app: App) -> None:
    office, home, leader = logged_in(site), logged_in(site), logged_in(site, LEADER)
    out = user_command(app, "logout", STAFF[0])
    assert "2 个登录失效" in out
    assert not is_in(office, site) and not is_in(home, site)
    assert "登录已失效" in office.get(f"{site}/login", timeout=10).text
    assert is_in(leader, site)
    assert is_in(logged_in(site), site)  # the user can simply log in again


def test_a_normal_session_keeps_working_and_the_cookie_holds_no_user_id(site: str, app: App) -> None:
    browser = logged_in(site)
    for _ in range(3):
        assert is_in(browser, site)
    with session_scope(app.engine) as session:
        rows = session.exec(select(WebSession)).all()
    assert len(rows) == 1 and len(rows[0].token_hash) == 64  # only the token's hash is kept


def test_revoking_an_unknown_user_is_a_clear_error(tmp_path: Path) -> None:
    result = duban(tmp_path / "data", "user", "logout", "nobody")
    assert result.returncode == 1
    assert "没有网页用户 nobody" in result.stdout + result.stderr


def test_a_login_that_timed_out_ends_for_every_copy(app: App) -> None:
    """The copy still carries a recent "seen" of its own; the login itself ended on the server."""
    clock = FakeClock(office_morning(AS_OF))
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    web = dataclasses.replace(WebConfig.from_app(app, as_of=AS_OF), clock=clock, idle_minutes=30)
    with serving(app, web) as base:
        browser = logged_in(base)
        clock.advance(25 * 60)
        thief = copy_of(browser)
        assert is_in(thief, base)  # seen at minute 25
        clock.advance(10 * 60)  # 35 minutes since the owner's last request
        assert not is_in(browser, base)
        assert not is_in(thief, base)
