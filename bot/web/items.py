"""The item page and the coordinator's review of submitted results (login required).

Approving a result closes the item through the same path as ``duban close-item`` (one "已解决"
queued at once); returning it needs a reason, which the person is sent. The project's
coordinators may also revoke a person's reply links here. Each id in the address is traced to its
project (``db.scope``) and the user's scope checked before anything is read or changed.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.item_page import heading_of, item_page
from bot.web.site import Pages, row_id
from db import replies
from db.engine import session_scope
from db.scope import project_of_item, project_of_person, project_of_submission
from domain.errors import DubanError
from jobs.replies import approve, send_back


class ItemPages:
    def __init__(self, site: Pages) -> None:
        self.site = site

    async def item(self, request: Request) -> Response:
        user = self.site.page_user(request)
        item_id = row_id(request, "item_id")
        self.site.allow(user, self._project(project_of_item, item_id=item_id))
        with session_scope(self.site.app.engine) as session:
            page = item_page(session, item_id, self.site.now())
        if page is None:
            raise HTTPException(404, "没有这个整改事项")
        return self.site.render(request, "item.html", user, page=page, scope_code=page.project_code)

    def _project(self, project_of: Callable[..., str | None], **row: int) -> str:
        """The project of the row named in the address, for the scope check; 404 for no such row."""
        with session_scope(self.site.app.engine) as session:
            code = project_of(session, **row)
        if code is None:
            raise HTTPException(404, "没有这条记录")
        return code

    async def review(self, request: Request) -> Response:
        user, form = await self.site.form(request)
        assert user is not None
        submission_id, action = row_id(request, "submission_id"), request.path_params["action"]
        self.site.allow(
            user, self._project(project_of_submission, submission_id=submission_id), coordinate=True
        )
        app, site = self.site.app, self.site
        try:
            if action == "approve":
                item, told = approve(
                    app,
                    submission_id=submission_id,
                    reviewer=user.display_name,
                    as_of=site.as_of(),
                    now=site.now(),
                )
                news = "“已解决”消息已排队发送" if told else "此前没有发过提醒，无需发“已解决”"
                site.flash(request, f"已销号：{heading_of(item)}，{news}")
            elif action == "return":
                reason = str(form.get("reason", ""))
                told = send_back(
                    app,
                    submission_id=submission_id,
                    reviewer=user.display_name,
                    reason=reason,
                    now=site.now(),
                )
                tail = f"已通知责任人（{told} 条消息）" if told else "责任人没有可接收消息的频道，请另行告知"
                site.flash(request, f"已退回，{tail}")
            else:
                raise HTTPException(404, "没有这个操作")
        except DubanError as error:  # a refused review, or an item closed meanwhile
            site.flash(request, str(error), "warning")
        return RedirectResponse(self._item_url(submission_id), 303)

    def _item_url(self, submission_id: int) -> str:
        with session_scope(self.site.app.engine) as session:
            row = replies.submission_by_id(session, submission_id=submission_id)
        return f"/items/{row.item_id}" if row else "/"

    async def revoke(self, request: Request) -> Response:
        user, form = await self.site.form(request)
        assert user is not None
        person_id = row_id(request, "person_id")
        self.site.allow(user, self._project(project_of_person, person_id=person_id), coordinate=True)
        with session_scope(self.site.app.engine) as session:
            revoked = replies.revoke_links(session, person_id=person_id, now=self.site.now())
        self.site.flash(request, f"已撤销 {revoked} 个回复链接，这些链接从现在起打不开")
        back = str(form.get("back", "/"))
        return RedirectResponse(back if back.startswith("/items/") else "/", 303)


def routes(site: Pages) -> list[Route]:
    pages = ItemPages(site)
    return [
        Route("/items/{item_id:int}", pages.item, methods=["GET"]),
        Route("/submissions/{submission_id:int}/{action:str}", pages.review, methods=["POST"]),
        Route("/people/{person_id:int}/revoke-links", pages.revoke, methods=["POST"]),
    ]
