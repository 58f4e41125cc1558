"""An indicator's page (its series, target, pace, evidence and revisions) and the hand entry of a
month's figure with its evidence (staff only).

A figure entered here goes through ``duban record``'s path (:func:`jobs.manual.record_figure`): it
is a new revision from the source 手工录入, never an edit of an earlier one, and its evidence file
is judged by its bytes and size as a reply link's upload is.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.indicator_view import indicator_page
from bot.web.reply import ACCEPT, FORM_OVERHEAD
from bot.web.site import Pages, refuse_oversized
from collectors.numbers import NumberFormatError, parse_number
from db.engine import session_scope
from domain.errors import DubanError
from domain.filetypes import ACCEPTED
from jobs.manual import record_figure
from jobs.uploads import Upload


class IndicatorPages:
    def __init__(self, site: Pages) -> None:
        self.site = site

    async def page(self, request: Request) -> Response:
        user = self.site.page_user(request)
        code, indicator = request.path_params["code"], request.path_params["indicator"]
        self.site.allow(user, code)
        site = self.site
        with session_scope(site.app.engine) as session:
            page = indicator_page(session, code, indicator, site.as_of(), site.app.calendar, site.app.policy)
        if page is None:
            raise HTTPException(404, "没有这个指标")
        return site.render(
            request,
            "indicator.html",
            user,
            scope_code=code,
            page=page,
            accept=ACCEPT,
            accepted=ACCEPTED,
            max_mb=site.app.settings.max_file_mb,
            this_month=f"{site.as_of():%Y-%m}",
        )

    async def record(self, request: Request) -> Response:
        code, indicator = request.path_params["code"], request.path_params["indicator"]
        settings = self.site.app.settings
        limit = settings.max_file_bytes + FORM_OVERHEAD
        refuse_oversized(request, limit, f"上传的文件太大：不超过 {settings.max_file_mb:g} MB")
        user, form = await self.site.form(request)
        assert user is not None
        self.site.allow(user, code, act=True)
        try:
            value, month = _value(str(form.get("value", ""))), str(form.get("month", "")).strip()
            file = form.get("evidence")
            if not isinstance(file, UploadFile) or not file.filename:
                raise DubanError("请附上佐证材料（后台截图、报表或 PDF），没有证据的数值评估时不被认可")
            upload = Upload(file.filename, await file.read(settings.max_file_bytes + 1))
            note = str(form.get("note", "")).strip()
            row = record_figure(
                self.site.app,
                project=code,
                indicator=indicator,
                month=month,
                value=value,
                unit=None,
                cumulative=form.get("cumulative") == "1",
                evidence=upload,
                note=f"{note}（{user.display_name}网页录入）" if note else f"{user.display_name}网页录入",
                now=self.site.now(),
                max_bytes=settings.max_file_bytes,
                as_of=self.site.as_of(),
            )
            if row is None:
                self.site.flash(request, f"{month} 的数值与现有的相同，未新增修订", "warning")
            else:
                shown = f"{row.value:g} {row.unit}（第 {row.revision} 版）"
                self.site.flash(request, f"已录入 {month}：{shown}，来源为手工录入")
        except DubanError as error:
            self.site.flash(request, f"未录入：{error}", "warning")
        return RedirectResponse(f"/p/{code}/indicators/{indicator}", 303)


def _value(text: str) -> float:
    try:
        value = parse_number(text)
    except NumberFormatError as exc:
        raise DubanError(f"数值{exc}，请填写数字，如 1234.5") from None
    if value is None:
        raise DubanError("请填写数值")
    return value


def routes(site: Pages) -> list[Route]:
    pages = IndicatorPages(site)
    return [
        Route("/p/{code}/indicators/{indicator}", pages.page, methods=["GET"]),
        Route("/p/{code}/indicators/{indicator}/record", pages.record, methods=["POST"]),
    ]
