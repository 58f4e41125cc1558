"""The two exports as downloads from the project page, written from the state of this moment."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.exports.content import read_content
from bot.exports.files import EXPORTS
from bot.web.site import Pages
from domain.errors import UnknownProjectError


def routes(site: Pages) -> list[Route]:
    async def download(request: Request) -> Response:
        user = site.page_user(request)
        site.allow(user, request.path_params["code"])  # reading: read-only users may download too
        export = EXPORTS.get(request.path_params["kind"])
        if export is None:
            raise HTTPException(404, "没有这种导出文件")
        try:
            content = read_content(site.app.engine, request.path_params["code"], site.as_of())
        except UnknownProjectError:
            raise HTTPException(404, "没有这个项目") from None
        name = export.filename(content)
        return Response(
            export.write(content),
            media_type=export.media_type,
            # RFC 6266: the Chinese name in UTF-8 for browsers, a plain one for anything older
            headers={
                "Content-Disposition": (
                    f"attachment; filename=\"{content.code}{export.suffix}\"; filename*=UTF-8''{quote(name)}"
                ),
                "Cache-Control": "no-store",
            },
        )

    return [Route("/p/{code}/export/{kind:str}", download, methods=["GET"])]
