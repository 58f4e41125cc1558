"""Helpers for the web tests: the 闻喜 and 偏关 examples after one cycle, and a real server on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import requests
import uvicorn
from playwright.sync_api import ViewportSize

from bot.clock import office_morning
from bot.web.config import SERVER_OPTIONS, WebConfig
from bot.web.routes import create_app
from bot.web.users import save_user
from bot.wiring import App
from jobs.cycle import run_cycle
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES

AS_OF = date(2023, 10, 12)
# Every page of the workbench a staff user opens, by name: the browser test walks them on both
# screens, and scripts/screenshots.py photographs them for docs/screenshots.md.
SCREENS = {"desktop": ViewportSize(width=1280, height=900), "phone": ViewportSize(width=390, height=844)}
PAGES = {
    "overview": "/",
    "project-pianguan": "/p/pianguan",
    "project-wenxi": "/p/wenxi",
    "lists-pianguan": "/p/pianguan/lists?kind=due_soon",
    "item": "/items/1",
    "indicator-wenxi": "/p/wenxi/indicators/S36",
    "ledger-pianguan": "/p/pianguan/ledger",
    "channels-pianguan": "/p/pianguan/channels",
    "admin-users": "/admin/users",
}
STAFF = ("zhang", "correct horse battery", "张科长")
LEADER = ("li", "leader pass phrase", "李县长")


def county(app: App, backend: str) -> App:
    """The examples imported, one cycle run as of 2023-10-12, a staff user and a leader."""
    import_files(app.engine, [EXAMPLES / "pianguan.yaml", EXAMPLES / "wenxi.yaml"])
    app.environ = {"DUBAN_DEMO_BACKEND_URL": backend}
    run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF), trigger="demo")
    save_user(app.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    save_user(app.engine, username=LEADER[0], password=LEADER[1], display_name=LEADER[2], role="province")
    return app


@contextmanager
def serving(app: App, web: WebConfig | None = None) -> Iterator[str]:
    """The web app on a real uvicorn server on 127.0.0.1; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    web = web or WebConfig.from_app(app, as_of=AS_OF)
    config = uvicorn.Config(create_app(app, web), log_level="warning", **SERVER_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every form carries a CSRF token"
    return found.group(1)


def logged_in(base: str, who: tuple[str, str, str] = STAFF) -> requests.Session:
    browser = requests.Session()
    token = csrf_of(browser.get(f"{base}/login", timeout=10).text)
    answer = browser.post(
        f"{base}/login", data={"username": who[0], "password": who[1], "csrf": token}, timeout=10
    )
    assert answer.ok and "退出" in answer.text
    return browser
