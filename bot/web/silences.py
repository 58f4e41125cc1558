"""The project page's 静默 section: its silences, a form for a new one, and 提前结束.

The form's choices are the project's own units, persons and alert kinds. Its 预览 button leads
back to the project page with the chosen matchers in the address (``?preview=1&unit=…&kind=…``),
which then says how many open alerts such a silence would cover — no script needed. (It posts
first and is redirected: a GET form would put the CSRF token into the address.)
A silence starts, and an early end takes effect, at the moment the page judges at: now, or 9:00
on the day the site is served as of (:func:`domain.alerting.judging_moment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from sqlmodel import Session
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.site import Pages, row_id
from db import silences as store
from db.alerts import open_alerts
from db.engine import session_scope
from db.plan import project_by_code
from domain.alerting import judging_moment
from domain.errors import DubanError
from domain.silences import muted_until
from domain.workdays import OFFICE_TZ
from jobs.silences import (
    ALERT_KINDS,
    Listed,
    SilenceError,
    Wanted,
    create,
    expire_early,
    listing,
    matchers_text,
    project_of_silence,
)
from jobs.silences import preview as count_matching

RECENT = timedelta(days=7)  # ended silences stay listed this long


@dataclass
class Panel:
    """What the section shows."""

    rows: list[Listed]
    units: list[str]
    persons: list[str]
    kinds: dict[str, str]  # label → stored kind
    muted: dict[int, datetime]  # open alert id → until when a silence mutes it
    chosen: dict[str, str] = field(default_factory=dict)  # the matchers being previewed
    preview: int | None = None
    problem: str | None = None

    @staticmethod
    def describe(row: Listed) -> str:
        return matchers_text(row.silence)


def judged_at(site: Pages) -> datetime:
    return judging_moment(site.now(), site.config.as_of)


def panel(site: Pages, session: Session, code: str, query: QueryParams) -> Panel | None:
    """The section for project ``code``; with ``preview`` in the query, the count it asks for."""
    project = project_by_code(session, code=code)
    if project is None:
        return None
    at = judged_at(site)
    units, persons = store.names_in(session, project=project)
    rows = listing(session, project=code, now=at, since=at - RECENT)
    rules = [store.rule_of(r.silence, code) for r in rows]
    muted = {}
    for alert in open_alerts(session, project=code):
        until = muted_until(rules, store.target_of(alert, code), at)
        if until is not None and alert.id is not None:
            muted[alert.id] = until
    out = Panel(rows, units, persons, ALERT_KINDS, muted)
    if "preview" in query:
        out.chosen = {name: query.get(name, "") for name in ("unit", "person", "kind")}
        wanted = Wanted(code, at + RECENT, "预览", **out.chosen)
        try:
            out.preview = count_matching(session, wanted=wanted)
        except SilenceError as error:
            out.problem = str(error)
    return out


def routes(site: Pages) -> list[Route]:
    async def add(request: Request) -> Response:
        user, form = await site.form(request)
        assert user is not None
        code = request.path_params["code"]
        site.allow(user, code, act=True)
        back = f"/p/{code}#silences"
        try:
            wanted = Wanted(
                code,
                _until(form),
                str(form.get("reason", "")),
                unit=str(form.get("unit", "")),
                person=str(form.get("person", "")),
                kind=str(form.get("kind", "")),
            )
            with session_scope(site.app.engine) as session:
                row = create(
                    session, wanted=wanted, actor=user.display_name, now=site.now(), at=judged_at(site)
                )
                count = count_matching(session, wanted=wanted)
            until = row.ends_at.astimezone(OFFICE_TZ)
            site.flash(
                request, f"已新建静默（编号 {row.id}），至 {until:%Y-%m-%d %H:%M}，目前涉及 {count} 条提醒"
            )
        except DubanError as error:
            site.flash(request, str(error), "warning")
        return RedirectResponse(back, 303)

    async def preview(request: Request) -> Response:
        user, form = await site.form(request)
        assert user is not None
        code = request.path_params["code"]
        site.allow(user, code)
        chosen = {name: str(form.get(name, "")) for name in ("unit", "person", "kind")}
        return RedirectResponse(f"/p/{quote(code)}?{urlencode({'preview': 1, **chosen})}#silences", 303)

    async def expire(request: Request) -> Response:
        user, _ = await site.form(request)
        assert user is not None
        silence_id = row_id(request, "silence_id")
        with session_scope(site.app.engine) as session:
            code = project_of_silence(session, silence_id)
        if code is None:
            raise HTTPException(404, "没有这个静默")
        site.allow(user, code, act=True)
        try:
            with session_scope(site.app.engine) as session:
                expire_early(
                    session, silence_id=silence_id, project=code, actor=user.display_name, now=judged_at(site)
                )
            site.flash(request, f"已提前结束静默（编号 {silence_id}），涉及的提醒从现在起照常提醒")
        except DubanError as error:
            site.flash(request, str(error), "warning")
        return RedirectResponse(f"/p/{code}#silences", 303)

    return [
        Route("/p/{code}/silences", add, methods=["POST"]),
        Route("/p/{code}/silences/preview", preview, methods=["POST"]),
        Route("/silences/{silence_id:int}/expire", expire, methods=["POST"]),
    ]


def _until(form: FormData) -> datetime:
    """The end the form gives: a day and a time of day, in Beijing time."""
    try:
        day = date.fromisoformat(str(form.get("until_day", "")))
    except ValueError:
        raise SilenceError("请选择静默截止日期") from None
    text = str(form.get("until_time", "") or "23:59")
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        raise SilenceError(f"“{text}”不是有效的时间，请写成 时:分，如 18:00") from None
    return datetime.combine(day, moment, tzinfo=OFFICE_TZ)
