"""A JSON backend on 127.0.0.1 that counts what several collecting instances do to it.

Each source has its own path; the server counts the requests to each path, the requests in
progress at once (and the most ever seen), and can hold a path's first request until released,
as a backend that hangs does.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

from bot.demo.server import Request, Response, Route
from collectors.base import SourceConfig
from tests.collect_helpers import config


class CountingBackend:
    def __init__(self, codes: list[str], *, delay: float = 0.2, hang: frozenset[str] = frozenset()) -> None:
        self.codes, self.delay, self.hang = codes, delay, set(hang)
        self.url = ""
        self.hits: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.busy = 0
        self.most_busy = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def routes(self) -> dict[str, Route]:
        return {f"/api/{code}": self._route(code) for code in self.codes}

    def _route(self, code: str) -> Route:
        def answer(request: Request) -> Response:
            with self._lock:
                self.hits[code] += 1
                first = self.hits[code] == 1
                self.busy += 1
                self.most_busy = max(self.most_busy, self.busy)
            try:
                if code in self.hang and first:
                    self.release.wait(30)
                time.sleep(self.delay)
            finally:
                with self._lock:
                    self.busy -= 1
            body = {"list": [{"month": "2023-09", "gmv": 100 + self.codes.index(code)}]}
            with self._lock:
                self.answered[code] += 1
            return Response(200, json.dumps(body).encode(), "application/json")

        return answer

    def source(self, code: str, project: str = "p") -> SourceConfig:
        settings: dict[str, Any] = {
            "url": f"{self.url}/api/{code}",
            "records_path": "list",
            "month_path": "month",
        }
        return config("json", settings, (f"G_{code}", "gmv", "万元"), code=code, project=project)
