"""What a page module needs of the site: the app, the days, the guards and the renderer.

Page modules (lists, exports, channels …) take this instead of :class:`bot.web.routes.Site`, so
that ``routes`` imports them and they never import ``routes`` back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.wiring import App
from db.models import WebUser


class Pages(Protocol):
    app: App

    def as_of(self) -> date: ...

    def now(self) -> datetime: ...

    def page_user(self, request: Request) -> WebUser: ...

    async def form(self, request: Request, *, staff: bool = True) -> tuple[WebUser | None, FormData]: ...

    def render(self, request: Request, name: str, user: WebUser | None, **context: Any) -> Response: ...

    @staticmethod
    def flash(request: Request, text: str, tone: str = "ok") -> None: ...
