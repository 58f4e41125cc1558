"""A small HTTP server on 127.0.0.1 for the demo's and the tests' stand-in backends.

Routes are plain functions from :class:`Request` to :class:`Response`; a response can be slow
(``delay``) or cut short (``truncate_at`` sends a full Content-Length and then hangs up), the way
a failing backend behaves on the wire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: Message  # the handler's own: names are case-insensitive
    cookies: dict[str, str]


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate_at: int | None = None


def redirect(location: str, **headers: str) -> Response:
    return Response(302, b"", headers={"Location": location, **headers})


Route = Callable[[Request], Response]


@dataclass
class Running:
    url: str
    hits: list[str] = field(default_factory=list)


def _handler(routes: Mapping[str, Route], running: Running) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            cookies = SimpleCookie(self.headers.get("Cookie") or "")
            request = Request(
                method,
                parts.path,
                dict(parse_qsl(parts.query)),
                dict(parse_qsl(raw)) if method == "POST" else {},
                self.headers,
                {k: v.value for k, v in cookies.items()},
            )
            running.hits.append(f"{method} {self.path}")
            route = routes.get(parts.path)
            response = route(request) if route else Response(404, "页面不存在".encode())
            if response.delay:
                time.sleep(response.delay)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.truncate_at is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            if response.truncate_at is not None:
                self.wfile.write(response.body[: response.truncate_at])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(response.body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: object) -> None:  # keep consoles clean
            pass

    return Handler


@contextmanager
def serve(routes: Mapping[str, Route]) -> Iterator[Running]:
    """Serve ``routes`` on a free loopback port until the block ends."""
    running = Running("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes, running))
    server.daemon_threads = True
    running.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="demo-server", daemon=True)
    thread.start()
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
