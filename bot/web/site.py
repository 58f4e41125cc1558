"""What the page modules registered beside the core routes may use of the site (bot/web/routes.py).

A protocol rather than the class, so those modules never import ``routes`` (which imports them).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.config import WebConfig
from bot.wiring import App
from db.models import WebUser


class SitePages(Protocol):
    app: App
    config: WebConfig

    def as_of(self) -> date: ...

    def now(self) -> datetime: ...

    def page_user(self, request: Request) -> WebUser: ...

    async def form(self, request: Request, *, staff: bool = True) -> tuple[WebUser | None, FormData]: ...

    def render(self, request: Request, name: str, user: WebUser | None, **context: Any) -> Response: ...

    @staticmethod
    def flash(request: Request, text: str, tone: str = "ok") -> None: ...


def row_id(request: Request, name: str) -> int:
    """A row id from the path; beyond a 32-bit integer column is no such row (404), not a crash."""
    value = int(request.path_params[name])
    if not 0 < value < 2**31:
        raise HTTPException(404, "没有这条记录")
    return value
