"""The web page's gate: nothing without login, no form without its CSRF token, leaders read only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlmodel import select

from bot.demo.backend import running_backend
from bot.wiring import App
from db.engine import session_scope
from db.models import Alert, Evidence, Silence, WebUser
from domain.enums import AlertState
from domain.workdays import OFFICE_TZ
from tests.webkit import LEADER, county, csrf_of, logged_in, serving


@pytest.fixture
def site(app: App) -> Iterator[tuple[App, str]]:
    with running_backend() as backend:
        county(app, backend)
        with serving(app) as base:
            yield app, base


def first_alert(app: App) -> Alert:
    with session_scope(app.engine) as session:
        return session.exec(select(Alert).order_by(Alert.id)).first()  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize("path", ["/", "/p/wenxi", "/p/pianguan", "/evidence/1"])
def test_nothing_is_visible_without_login(site: tuple[App, str], path: str) -> None:
    _, base = site
    answer = requests.get(base + path, allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert "S36" not in answer.text and "高权" not in answer.text


@pytest.mark.parametrize("path", ["/refresh", "/alerts/1/ack", "/alerts/1/silence"])
def test_forms_without_a_valid_token_are_refused(site: tuple[App, str], path: str) -> None:
    app, base = site
    anonymous = requests.post(base + path, data={"reason": "x"}, allow_redirects=False, timeout=10)
    assert anonymous.status_code == 403
    browser = logged_in(base)
    for token in (None, "forged-token"):
        data = {"reason": "想绕过", "until": "2023-12-31"} | ({"csrf": token} if token else {})
        answer = browser.post(base + path, data=data, allow_redirects=False, timeout=10)
        assert answer.status_code == 403
        assert "安全令牌" in answer.text
    assert first_alert(app).state is AlertState.OPEN


def test_wrong_password_and_unknown_user_get_the_same_answer(site: tuple[App, str]) -> None:
    _, base = site
    answers = []
    for username, password in (("zhang", "wrong password"), ("nobody", "whatever pass")):
        browser = requests.Session()
        token = csrf_of(browser.get(f"{base}/login", timeout=10).text)
        answer = browser.post(
            f"{base}/login", data={"username": username, "password": password, "csrf": token}, timeout=10
        )
        answers.append((answer.status_code, "用户名或密码不正确" in answer.text))
        assert browser.get(f"{base}/", allow_redirects=False, timeout=10).status_code == 303
    assert answers == [(401, True), (401, True)]


def test_passwords_are_stored_as_argon2_hashes(site: tuple[App, str]) -> None:
    app, _ = site
    with session_scope(app.engine) as session:
        users = session.exec(select(WebUser)).all()
    assert all(u.password_hash.startswith("$argon2id$") for u in users)
    assert all("horse" not in u.password_hash for u in users)


def test_leaders_see_everything_but_cannot_act(site: tuple[App, str]) -> None:
    app, base = site
    leader = logged_in(base, LEADER)
    page = leader.get(f"{base}/p/wenxi", timeout=10).text
    assert "S36 网络零售额" in page and "李县长（只读）" in page
    assert "立即刷新</button>" not in page and "/alerts/" not in page
    token = csrf_of(page)
    alert = first_alert(app)
    answer = leader.post(
        f"{base}/alerts/{alert.id}/ack",
        data={"csrf": token, "reason": "看过了"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 403 and "只读账号" in answer.text
    assert (
        leader.post(f"{base}/refresh", data={"csrf": token}, allow_redirects=False, timeout=10).status_code
        == 403
    )
    assert first_alert(app).state is AlertState.OPEN


def test_silence_with_a_reason_and_download_evidence(site: tuple[App, str]) -> None:
    app, base = site
    staff = logged_in(base)
    page = staff.get(f"{base}/p/pianguan", timeout=10).text
    alert = first_alert(app)
    answer = staff.post(
        f"{base}/alerts/{alert.id}/silence",
        data={"csrf": csrf_of(page), "until": "2023-10-20", "reason": "已报县领导，等待批复"},
        headers={"referer": f"{base}/p/pianguan"},
        timeout=10,
    )
    assert answer.ok and "已静默至 2023-10-20" in answer.text
    with session_scope(app.engine) as session:
        (silence,) = session.exec(select(Silence)).all()
    assert (silence.alert_key, silence.reason, silence.created_by) == (
        alert.key,
        "已报县领导，等待批复（张科长）",
        "张科长",
    )
    assert f"{silence.ends_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}" == "2023-10-20 23:59"
    assert "静默中（至 2023-10-20 23:59）" in staff.get(f"{base}/p/pianguan", timeout=10).text

    wenxi = staff.get(f"{base}/p/wenxi", timeout=10).text
    assert 'href="/evidence/1" download' in wenxi
    evidence = staff.get(f"{base}/evidence/1", timeout=10)
    with session_scope(app.engine) as session:
        row = session.get(Evidence, 1)
    assert row is not None
    assert evidence.content == (app.settings.evidence_dir / row.path).read_bytes()
    assert evidence.headers["content-disposition"].startswith("attachment;")
    assert evidence.headers["x-content-type-options"] == "nosniff"
    assert staff.get(f"{base}/evidence/999", timeout=10).status_code == 404
    for beyond in (2**63, 2**64 + 1, 0):  # past any database integer: 404, never a dropped connection
        assert staff.get(f"{base}/evidence/{beyond}", timeout=10).status_code == 404


def test_logout_ends_the_session(site: tuple[App, str]) -> None:
    _, base = site
    staff = logged_in(base)
    token = csrf_of(staff.get(f"{base}/", timeout=10).text)
    staff.post(f"{base}/logout", data={"csrf": token}, timeout=10)
    assert staff.get(f"{base}/", allow_redirects=False, timeout=10).status_code == 303
