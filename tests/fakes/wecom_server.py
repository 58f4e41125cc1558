"""A local WeCom-compatible server: the group robot webhook and the app message API.

It behaves as the documentation says WeCom does, so the notifiers are tested against the rules
rather than against themselves:

* HTTP 200 for every refusal, with the verdict in ``errcode``;
* robot: unknown key 93000; unknown ``msgtype`` 40008; ``text`` over 2048 bytes or ``markdown``
  over 4096 bytes (UTF-8) 40058; image md5 mismatch 301019; more than 20 requests in any 60 s for
  one key 45009 — failed requests count too;
* app: ``gettoken`` with a wrong corpid 40013 or secret 40001; tokens expire after ``expires_in``
  (42001) and unknown tokens are 40014; untrusted IP 60020; unknown userids are listed in
  ``invaliduser`` and the message still goes to the others; no valid user at all 81013.

Tests script failures with :meth:`FakeWeCom.inject` (an errcode, an HTTP status, "timeout").
Time is the injected clock, so a test can run an hour of rate limits in milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

LIMITS = {"text": 2048, "markdown": 4096}
WINDOW = timedelta(seconds=60)


@dataclass
class Received:
    kind: str  # robot | app
    who: str  # robot key or app agentid
    payload: dict[str, Any]
    at: datetime


@dataclass
class FakeWeCom:
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    robot_keys: set[str] = field(default_factory=lambda: {"robot-key-1"})
    per_minute: int = 20
    corp_id: str = "ww-corp"
    secret: str = "app-secret-value"
    agent_id: int = 1000002
    users: set[str] = field(default_factory=lambda: {"gaoquan", "wangxue", "zhangzhuren"})
    expires_in: int = 7200
    untrusted_ip: bool = False
    hang_seconds: float = 2.0  # how long an injected "timeout" keeps the client waiting
    expire_after: int | None = None  # revoke every token after this many accepted app messages
    robot_delay: float = 0.0  # seconds a robot request takes before WeCom decides (network, load)

    def __post_init__(self) -> None:
        self.received: list[Received] = []  # accepted messages only
        self.requests = 0
        self.rate_violations = 0  # requests refused with 45009 because the limit was really exceeded
        self.tokens_issued = 0
        self._attempts: dict[str, deque[datetime]] = defaultdict(deque)
        self._tokens: dict[str, datetime] = {}
        self._script: deque[int | str] = deque()
        self._lock = threading.Lock()
        self.url = ""

    # -- what tests use ---------------------------------------------------------------------
    def inject(self, *outcomes: int | str) -> None:
        """The next requests fail so: an errcode (-1, 45009…), an HTTP status (400-599), or
        "timeout"; 0 lets one request through normally."""
        with self._lock:
            self._script.extend(outcomes)

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens = {token: datetime.min.replace(tzinfo=UTC) for token in self._tokens}

    def robot_messages(self, key: str = "robot-key-1") -> list[dict[str, Any]]:
        return [r.payload for r in self.received if r.kind == "robot" and r.who == key]

    def app_messages(self) -> list[dict[str, Any]]:
        return [r.payload for r in self.received if r.kind == "app"]

    # -- the API ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.requests += 1
            scripted = self._script.popleft() if self._script else None
        scripted = None if scripted == 0 else scripted  # 0: this request is answered normally
        if scripted == "timeout":
            time.sleep(self.hang_seconds)
            return 200, {"errcode": 0, "errmsg": "ok (too late)"}
        if isinstance(scripted, int) and 400 <= scripted < 600:
            return scripted, {"error": "injected"}
        if path == "/cgi-bin/webhook/send" and method == "POST":
            time.sleep(self.robot_delay)  # a client that dies meanwhile is still answered for
            return 200, self._robot(query.get("key", ""), body, scripted)
        if path == "/cgi-bin/gettoken":
            return 200, self._gettoken(query, scripted)
        if path == "/cgi-bin/message/send" and method == "POST":
            return 200, self._app_send(query.get("access_token", ""), body, scripted)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _robot(self, key: str, body: bytes, scripted: int | str | None) -> dict[str, Any]:
        if key not in self.robot_keys:
            return _err(93000, "invalid webhook url")
        now = self.clock()
        with self._lock:
            attempts = self._attempts[key]
            while attempts and attempts[0] <= now - WINDOW:
                attempts.popleft()
            over = len(attempts) >= self.per_minute
            attempts.append(now)  # a refused request counts as well
            if over:
                self.rate_violations += 1
        if over:
            return _err(45009, "api freq out of limit")
        if isinstance(scripted, int):
            return _err(scripted, "injected")
        payload = _json(body)
        if payload is None:
            return _err(40008, "invalid message type")
        kind = payload.get("msgtype")
        if kind in LIMITS:
            content = str(payload.get(kind, {}).get("content", ""))
            if len(content.encode("utf-8")) > LIMITS[kind]:
                return _err(40058, f"content exceed max length {LIMITS[kind]}")
        elif kind == "image":
            image = payload.get("image", {})
            data = base64.b64decode(image.get("base64", ""))
            if hashlib.md5(data).hexdigest() != image.get("md5"):
                return _err(301019, "media md5 not match")
        else:
            return _err(40008, "invalid message type")
        self._accept("robot", key, payload, now)
        return _err(0, "ok")

    def _gettoken(self, query: dict[str, str], scripted: int | str | None) -> dict[str, Any]:
        if isinstance(scripted, int):
            return _err(scripted, "injected")
        if query.get("corpid") != self.corp_id:
            return _err(40013, "invalid corpid")
        if query.get("corpsecret") != self.secret:
            return _err(40001, "invalid credential")
        with self._lock:
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}-{hashlib.sha256(self.secret.encode()).hexdigest()[:6]}"
            self._tokens[token] = self.clock() + timedelta(seconds=self.expires_in)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": self.expires_in}

    def _app_send(self, token: str, body: bytes, scripted: int | str | None) -> dict[str, Any]:
        expires = self._tokens.get(token)
        if expires is None:
            return _err(40014, "invalid access_token")
        if self.clock() >= expires:
            return _err(42001, "access_token expired")
        if self.untrusted_ip:
            return _err(60020, "not allow to access from your ip")
        if isinstance(scripted, int):
            return _err(scripted, "injected")
        payload = _json(body)
        if payload is None or payload.get("msgtype") not in LIMITS:
            return _err(40008, "invalid message type")
        if payload.get("agentid") != self.agent_id:
            return _err(40056, "invalid agentid")
        kind = payload["msgtype"]
        if len(str(payload[kind].get("content", "")).encode("utf-8")) > 2048:
            return _err(40058, "content exceed max length 2048")
        wanted = [u for u in str(payload.get("touser", "")).split("|") if u]
        invalid = [u for u in wanted if u not in self.users]
        if len(invalid) == len(wanted):
            return _err(81013, "user & party & tag all invalid")
        self._accept("app", str(self.agent_id), payload, self.clock())
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid)}

    def _accept(self, kind: str, who: str, payload: dict[str, Any], at: datetime) -> None:
        with self._lock:
            self.received.append(Received(kind, who, payload, at))
            apps = sum(1 for r in self.received if r.kind == "app")
        if kind == "app" and self.expire_after and apps % self.expire_after == 0:
            self.expire_tokens()


def _err(code: int, message: str) -> dict[str, Any]:
    return {"errcode": code, "errmsg": message}


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, reply = self.server.fake.handle(method, url.path, query, body)
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeWeCom


@contextmanager
def running(fake: FakeWeCom) -> Iterator[FakeWeCom]:
    """Serve ``fake`` on 127.0.0.1 (a free port) for the block; ``fake.url`` is its base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
