"""The login limit counts the connection's address (issue 16, item 8): ``X-Forwarded-For`` is
believed only from a proxy listed in ``DUBAN_TRUSTED_PROXIES`` (none by default), so rotating the
header from loopback does not reset the count, and every server of the page is started so."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from bot.settings import Settings
from bot.web.config import WebConfig
from bot.wiring import App
from tests.webkit import AS_OF, csrf_of, serving


def attempt(base: str, username: str, forwarded_for: str) -> requests.Response:
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = forwarded_for
    token = csrf_of(browser.get(f"{base}/login", timeout=10).text)
    data = {"username": username, "password": "guess-guess", "csrf": token}
    return browser.post(f"{base}/login", data=data, timeout=10)


def test_a_rotated_forwarded_for_does_not_reset_the_address_limit(app: App) -> None:
    with serving(app, WebConfig.from_app(app, as_of=AS_OF)) as base:
        for n in range(5):
            assert attempt(base, f"user{n}", f"10.0.0.{n}").status_code == 401
        assert attempt(base, "somebody-else", "10.0.0.99").status_code == 429


def test_a_trusted_proxy_names_the_client(app: App) -> None:
    web = dataclasses.replace(WebConfig.from_app(app, as_of=AS_OF), trusted_proxies=("127.0.0.1",))
    with serving(app, web) as base:
        for n in range(5):
            assert attempt(base, f"user{n}", "10.0.0.1").status_code == 401
        assert attempt(base, "somebody-else", "10.0.0.1").status_code == 429
        assert attempt(base, "somebody-else", "10.0.0.2").status_code == 401  # another client


def test_the_setting_reaches_the_page() -> None:
    settings = Settings.from_env({"DUBAN_TRUSTED_PROXIES": "127.0.0.1, 10.1.2.3"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.1.2.3")
    assert Settings().trusted_proxies == ()


def test_duban_web_and_duban_run_start_uvicorn_without_its_own_proxy_trust(
    app: App, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import uvicorn

    from bot.cli import main
    from bot.service import _start_web

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **options: seen.append(options))
    answer = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "web"), "web", "--port", "0"])
    assert answer.exit_code == 0, answer.output

    class Server:
        def __init__(self, config: uvicorn.Config) -> None:
            seen.append({"proxy_headers": config.proxy_headers})

        def run(self, sockets: object = None) -> None:
            pass

    monkeypatch.setattr(uvicorn, "Server", Server)
    _start_web(app, ("127.0.0.1", 0))  # any free port: the page binds it before serving
    assert [options["proxy_headers"] for options in seen] == [False, False]
