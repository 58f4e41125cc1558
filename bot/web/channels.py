"""The project's channels on the page, each with a button that sends a test message now.

The test is ``duban notify-test`` from the page: the real notifier, the channel's shared rate
window (so a test never pushes a robot over its 20 a minute), and the result in one sentence
with what to do about it. The project's coordinators (and administrators) only, with the
session's CSRF token, as every other form.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.site import Pages
from db.channels import load_channels
from db.engine import session_scope
from db.plan import project_by_code
from domain.labels import channel_kind_label
from domain.routing import ChannelFacts
from jobs.channel_check import send_test_message

log = logging.getLogger(__name__)


def _channels(site: Pages, code: str) -> tuple[str, list[ChannelFacts]]:
    """The project's name and channels; 404 when there is no such project."""
    with session_scope(site.app.engine) as session:
        project = project_by_code(session, code=code)
        if project is None:
            raise HTTPException(404, "没有这个项目")
        return project.name, load_channels(session, [code])


def routes(site: Pages) -> list[Route]:
    async def channels_page(request: Request) -> Response:
        user = site.page_user(request)
        code = request.path_params["code"]
        site.allow(user, code)
        name, channels = _channels(site, code)
        rows = [(c, channel_kind_label(c.kind)) for c in channels]
        console = site.app.settings.delivery == "console"
        return site.render(
            request,
            "channels.html",
            user,
            code=code,
            project_name=name,
            channels=rows,
            console=console,
            scope_code=code,
        )

    async def test_channel(request: Request) -> Response:
        user, _ = await site.form(request)  # a logged-in user, and the form's CSRF token must match
        assert user is not None
        code, channel = request.path_params["code"], request.path_params["channel"]
        site.allow(user, code, coordinate=True)
        if channel not in {c.code for c in _channels(site, code)[1]}:
            raise HTTPException(404, "这个项目没有这个频道")
        # In a worker thread: a slow channel (up to the HTTP timeout) must not hold up other pages.
        outcome = await run_in_threadpool(send_test_message, site.app, channel, project=code, now=site.now())
        who = user.display_name
        log.info(
            "网页测试频道 %s（项目 %s，%s）：%s",
            channel,
            code,
            who,
            "成功" if outcome.ok else outcome.problem,
        )
        site.flash(request, outcome.headline, "ok" if outcome.ok else "warning")
        for note in outcome.notes:
            site.flash(request, f"注意：{note}", "info")
        if not outcome.ok:
            site.flash(request, f"怎么办：{outcome.advice}", "info")
        return RedirectResponse(f"/p/{code}/channels", 303)

    return [
        Route("/p/{code}/channels", channels_page, methods=["GET"]),
        Route("/p/{code}/channels/{channel}/test", test_channel, methods=["POST"]),
    ]
