"""A shop platform's open API (开放平台): token in the Authorization header, JSON answers with the
failure in ``code`` (HTTP 200) like most such APIs, paged monthly records, and 429 + Retry-After
when called too often.
"""

from __future__ import annotations

import json
import threading

from bot.demo.server import Request, Response, Route

RECORDS = [
    {"statMonth": "2023-07", "shop": {"gmv": 1_503_200.0, "orders": 18240}, "visitors": "12.3万"},
    {"statMonth": "2023-08", "shop": {"gmv": 1_620_000.0, "orders": 19630}, "visitors": "13.1万"},
    {"statMonth": "2023-09", "shop": {"gmv": 1_856_000.5, "orders": 22410}, "visitors": "—"},
]


class ShopApi:
    def __init__(self, *, token: str = "tk_7f3a9c2e51d04b8e", page_size: int = 2) -> None:
        self.token, self.page_size = token, page_size
        self.records = list(RECORDS)
        self.throttle = 0  # answer the next N calls with 429
        self.retry_after = "1"
        self.calls = 0
        self._lock = threading.Lock()

    def routes(self) -> dict[str, Route]:
        return {"/open/v1/shop/monthly": self.monthly}

    def monthly(self, request: Request) -> Response:
        with self._lock:
            self.calls += 1
            if self.throttle > 0:
                self.throttle -= 1
                return _json({"code": 429, "msg": "请求过于频繁"}, 429, {"Retry-After": self.retry_after})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _json({"code": 40001, "msg": "access_token 无效或已过期"})
        page = int(request.query.get("pageNo", "1"))
        pages = max(1, -(-len(self.records) // self.page_size))
        chunk = self.records[(page - 1) * self.page_size : page * self.page_size]
        return _json(
            {"code": 0, "msg": "success", "data": {"list": chunk, "pageNo": page, "totalPage": pages}}
        )


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json;charset=UTF-8", headers=headers or {})
