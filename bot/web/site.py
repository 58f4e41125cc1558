"""What a page module needs of the site: the app, the days, the guards and the renderer.

Page modules (lists, exports, channels, items, reply …) take this instead of
:class:`bot.web.routes.Site`, so that ``routes`` imports them and they never import ``routes`` back.
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


class Pages(Protocol):
    app: App
    config: WebConfig

    def as_of(self) -> date: ...

    def now(self) -> datetime: ...

    def page_user(self, request: Request) -> WebUser: ...

    async def form(self, request: Request, *, staff: bool = True) -> tuple[WebUser | None, FormData]: ...

    def allow(self, user: WebUser, project: str, *, act: bool = False, coordinate: bool = False) -> None: ...

    def render(self, request: Request, name: str, user: WebUser | None, **context: Any) -> Response: ...

    @staticmethod
    def flash(request: Request, text: str, tone: str = "ok") -> None: ...


def row_id(request: Request, name: str) -> int:
    """A row id from the path; beyond a 32-bit integer column is no such row (404), not a crash."""
    value = int(request.path_params[name])
    if not 0 < value < 2**31:
        raise HTTPException(404, "没有这条记录")
    return value


def refuse_oversized(request: Request, limit: int, message: str) -> None:
    """Refuse (413, ``message``) a POST that does not declare its length or declares more than
    ``limit`` bytes, before any of it is read."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > limit:
        raise HTTPException(413, message)
