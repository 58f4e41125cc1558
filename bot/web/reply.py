"""The reply link's page: a person's own open items on a phone, without a password.

The token in the address is the only key. A wrong or expired one counts as a failure against the
client's address, with the login's limit (``bot.web.throttle``), so links cannot be guessed by
trying; a working link submits at most ``DUBAN_REPLY_LINK_HOURLY`` results an hour. Uploads are
limited in number and size, and their kind is judged from their bytes (``domain.filetypes``).
What is submitted waits for the coordinator's review.
"""

from __future__ import annotations

import logging

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.item_page import heading_of
from bot.web.site import Pages, refuse_oversized, row_id
from bot.web.throttle import minutes
from db import replies
from db.engine import session_scope
from domain.enums import SubmissionState
from domain.filetypes import ACCEPTED
from jobs.replies import MAX_FILES, ReplyError, submit
from jobs.reply_links import person_of
from jobs.uploads import Upload, UploadError

log = logging.getLogger(__name__)
FORM_OVERHEAD = 64 * 1024  # the text fields and multipart boundaries around the files
ACCEPT = ".jpg,.jpeg,.png,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,image/jpeg,image/png,application/pdf"
NO_STORE = {"Cache-Control": "no-store"}  # a shared phone's back button should not show the page


class ReplyPages:
    def __init__(self, site: Pages) -> None:
        self.site = site

    def _client(self, request: Request) -> str:
        return request.client.host if request.client else "-"

    def _guard(self, request: Request) -> None:
        """Refuse a client that recently tried too many links that do not work."""
        client = self._client(request)
        wait = self.site.config.throttle.wait(
            self.site.app.engine, username=f"reply:{client}", client=client, now=self.site.config.clock()
        )
        if wait is not None:
            raise HTTPException(429, f"打开失效链接的次数过多，请 {minutes(wait)} 分钟后再试")

    def _refused(self, request: Request) -> HTTPException:
        client = self._client(request)
        engine, now = self.site.app.engine, self.site.config.clock()
        self.site.config.throttle.failed(engine, username=f"reply:{client}", client=client, now=now)
        log.warning("无效的回复链接，来自 %s", client)
        return HTTPException(404, "链接已失效（已过期、已撤销或不完整），请联系工作专班重新发送")

    async def page(self, request: Request) -> Response:
        self._guard(request)
        token = request.path_params["token"]
        with session_scope(self.site.app.engine) as session:
            person = person_of(session, token, self.site.now())
            if person is None:
                raise self._refused(request)
            items = replies.open_items_of(session, person=person)
            pending = {
                s.item_id
                for s in replies.submissions_of(session, item_ids=[i.id for i in items if i.id is not None])
                if s.state is SubmissionState.PENDING
            }
            project = replies.project_of(session, project_id=person.project_id)
        rows = [(item, heading_of(item), item.id in pending) for item in items]
        response = self.site.render(
            request,
            "reply.html",
            None,
            person=person,
            project=project,
            rows=rows,
            token=token,
            accept=ACCEPT,
            accepted=ACCEPTED,
            max_files=MAX_FILES,
            max_mb=self.site.app.settings.max_file_mb,
        )
        response.headers.update(NO_STORE)
        return response

    async def post(self, request: Request) -> Response:
        self._guard(request)
        token = request.path_params["token"]
        settings = self.site.app.settings
        refuse_oversized(
            request,
            MAX_FILES * settings.max_file_bytes + FORM_OVERHEAD,
            f"上传的内容太大：每个文件不超过 {settings.max_file_mb:g} MB，最多 {MAX_FILES} 个",
        )
        with session_scope(self.site.app.engine) as session:
            if person_of(session, token, self.site.now()) is None:
                raise self._refused(request)
        _, form = await self.site.form(request, staff=False)
        uploads = []
        for value in form.getlist("files"):
            if isinstance(value, UploadFile) and value.filename:
                uploads.append(Upload(value.filename, await value.read(settings.max_file_bytes + 1)))
        try:
            submit(
                self.site.app,
                token=token,
                item_id=row_id(request, "item_id"),
                result=str(form.get("result", "")),
                uploads=uploads,
                now=self.site.now(),
                max_bytes=settings.max_file_bytes,
                hourly=settings.reply_link_hourly,
            )
            self.site.flash(request, "已提交，等待工作专班审核；审核通过后事项即销号")
        except (ReplyError, UploadError) as error:
            self.site.flash(request, str(error), "warning")
        return RedirectResponse(f"/r/{token}", 303)


def routes(site: Pages) -> list[Route]:
    pages = ReplyPages(site)
    return [
        Route("/r/{token:str}", pages.page, methods=["GET"]),
        Route("/r/{token:str}/items/{item_id:int}", pages.post, methods=["POST"]),
    ]
