"""Upload a 整改台账 on the project page: a preview of what would change, then apply or cancel.

The uploaded file stays on the server, in a folder under the data directory named by a random
token that only this login's session holds; the form carries no file and no path. The preview is
:func:`jobs.ledger_preview.preview_ledger` and applying is ``duban import``'s own
:func:`jobs.import_plans.import_files` — both read the file with one reader and judge each row by
one diff, so what the preview lists is what is written. Uploads left behind (a session that
ended without applying or cancelling) are removed after a day.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.ledger_view import bad_row, preview_page
from bot.web.reply import FORM_OVERHEAD
from bot.web.site import Pages, refuse_oversized
from collectors.plan.ledger import LEDGER_SUFFIXES
from db.evidence import private_folder, write_atomically
from db.models import WebUser
from domain.errors import PlanFileError
from jobs.import_plans import import_files
from jobs.ledger_preview import preview_ledger

KEEP_SECONDS = 24 * 3600
ACCEPT = ",".join(LEDGER_SUFFIXES)


class LedgerPages:
    def __init__(self, site: Pages) -> None:
        self.site = site

    @property
    def folder(self) -> Path:
        return self.site.app.settings.data_dir / "uploads"

    def _pending(self, request: Request, code: str) -> tuple[Path, int | None] | None:
        """The upload this session is previewing for ``code``: (its file, the deadline year)."""
        held = request.session.get("ledger_upload")
        if not isinstance(held, dict) or held.get("project") != code:
            return None
        token = str(held.get("token", ""))
        folder = self.folder / token
        files = sorted(folder.iterdir()) if token.isalnum() and folder.is_dir() else []
        year = held.get("year")
        return (files[0], year if isinstance(year, int) else None) if files else None

    async def _staff_form(self, request: Request, code: str) -> tuple[WebUser, FormData]:
        """A POST's form from a coordinator of ``code`` (CSRF checked), or 403: a ledger rewrites items."""
        user, form = await self.site.form(request)
        assert user is not None  # site.form refuses anyone but staff
        self.site.allow(user, code, coordinate=True)
        return user, form

    async def page(self, request: Request) -> Response:
        code = request.path_params["code"]
        user = self.site.page_user(request)
        self.site.allow(user, code, coordinate=True)
        pending = self._pending(request, code)
        preview, problem = None, None
        if pending is not None:
            path, year = pending
            try:
                found = preview_ledger(
                    self.site.app.engine,
                    path,
                    project=code,
                    year=year,
                    max_bytes=self.site.app.settings.max_file_bytes,
                )
                preview = preview_page(path.name, found)
            except PlanFileError as error:  # not a ledger at all: nothing to preview
                problem = bad_row(error)
        return self.site.render(
            request,
            "ledger.html",
            user,
            scope_code=code,
            code=code,
            preview=preview,
            problem=problem,
            file_name=pending[0].name if pending else "",
            accept=ACCEPT,
            max_mb=self.site.app.settings.max_file_mb,
            year=self.site.as_of().year,
        )

    async def upload(self, request: Request) -> Response:
        code = request.path_params["code"]
        settings = self.site.app.settings
        limit = settings.max_file_bytes + FORM_OVERHEAD
        refuse_oversized(request, limit, f"上传的台账太大：不超过 {settings.max_file_mb:g} MB")
        _, form = await self._staff_form(request, code)
        file = form.get("ledger")
        name = _safe_name(file.filename if isinstance(file, UploadFile) else "")
        if not isinstance(file, UploadFile) or not name:
            self.site.flash(request, "请选择要上传的台账文件", "warning")
        elif Path(name).suffix.lower() not in LEDGER_SUFFIXES:
            self.site.flash(request, f"“{name}”不是台账文件：可上传 {'、'.join(LEDGER_SUFFIXES)}", "warning")
        else:
            self._discard(request)
            self._sweep()
            token = secrets.token_hex(16)
            write_atomically(self.folder / token / name, await file.read(settings.max_file_bytes + 1))
            year = str(form.get("year", "")).strip()
            held = {"token": token, "project": code, "year": int(year) if year.isdigit() else None}
            request.session["ledger_upload"] = held
        return RedirectResponse(f"/p/{code}/ledger", 303)

    async def apply(self, request: Request) -> Response:
        code = request.path_params["code"]
        user, _ = await self._staff_form(request, code)
        pending = self._pending(request, code)
        if pending is None:
            self.site.flash(request, "没有待导入的台账（可能已导入或已取消），请重新上传", "warning")
            return RedirectResponse(f"/p/{code}/ledger", 303)
        path, year = pending
        app = self.site.app
        try:
            reports = import_files(
                app.engine,
                [path],
                project=code,
                year=year,
                max_bytes=app.settings.max_file_bytes,
                kinds=app.plan_kinds,
                secret_variables=app.secret_variables,
            )
        except PlanFileError as error:
            bad = bad_row(error)
            where = f"第 {bad.row} 行" if bad.row else ""
            self.site.flash(request, f"未导入：{path.name} {where}{bad.field} {bad.problem}", "warning")
            return RedirectResponse(f"/p/{code}/ledger", 303)
        self._discard(request)
        report = reports[0]
        created = report.created.get("rectificationitem", 0)
        updated = report.updated.get("rectificationitem", 0)
        self.site.flash(
            request, f"已导入 {path.name}：新增 {created} 项，更新 {updated} 项（{user.display_name}）"
        )
        return RedirectResponse(f"/p/{code}", 303)

    async def cancel(self, request: Request) -> Response:
        code = request.path_params["code"]
        await self._staff_form(request, code)
        self._discard(request)
        self.site.flash(request, "已取消，上传的台账已删除，数据没有任何变化")
        return RedirectResponse(f"/p/{code}", 303)

    def _discard(self, request: Request) -> None:
        held = request.session.pop("ledger_upload", None)
        token = str(held.get("token", "")) if isinstance(held, dict) else ""
        if token.isalnum():
            shutil.rmtree(self.folder / token, ignore_errors=True)

    def _sweep(self) -> None:
        """Remove uploads nobody applied or cancelled within a day."""
        if not self.folder.is_dir():
            private_folder(self.folder)
            return
        cutoff = time.time() - KEEP_SECONDS
        for folder in self.folder.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)


def _safe_name(name: str | None) -> str:
    """The uploaded file's own name, without any folder part, kept short: it names the file on disk."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").lstrip(".").strip()
    stem, dot, suffix = base.rpartition(".")
    return f"{stem[:80]}{dot}{suffix[:8]}" if dot else base[:80]


def routes(site: Pages) -> list[Route]:
    pages = LedgerPages(site)
    return [
        Route("/p/{code}/ledger", pages.page, methods=["GET"]),
        Route("/p/{code}/ledger", pages.upload, methods=["POST"]),
        Route("/p/{code}/ledger/apply", pages.apply, methods=["POST"]),
        Route("/p/{code}/ledger/cancel", pages.cancel, methods=["POST"]),
    ]
