"""The web page: a small server-rendered Starlette app over the same database as the service.

Every page needs a login (users in the database, argon2 hashes, a signed session cookie); every
form carries the session's CSRF token and a POST without it is refused. Every page, download and
form about a project asks :meth:`Site.allow` first: a user sees only the projects in their scope
(``bot.web.scope``), and read-only users get the same pages without the buttons, their POSTs
refused too.
"""

from __future__ import annotations

import hmac
import logging
import queue
import secrets
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.clock import today
from bot.web import admin, channels, exports, health, indicators, items, ledger, lists, reply, silences, views
from bot.web.config import WebConfig
from bot.web.scope import Need, Scope
from bot.web.site import row_id
from bot.web.throttle import minutes
from bot.web.users import authenticate, end_session, load_user, scope_of, start_session
from bot.wiring import App
from db import alerts
from db.engine import session_scope
from db.evidence import evidence_by_id
from db.models import UserRole, WebUser
from db.scope import project_of_alert, projects_of_evidence
from domain.alerting import judging_moment
from domain.errors import DubanError
from domain.workdays import OFFICE_TZ
from jobs import lock

log = logging.getLogger(__name__)
# Up to this many projects the overview shows each as a card with its indicators' bars; more (a
# province's) get a line each, with the lists' counts: 1,500 cards were 48,000 bars, 35 MB and 57 s.
OVERVIEW_CARDS = 30
HERE = Path(__file__).resolve().parent
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}
NOT_YOURS = "你没有这个项目的权限，如需查看请联系管理员"


class Site:
    """The routes, bound to one :class:`App` and its web settings."""

    def __init__(self, app: App, config: WebConfig) -> None:
        self.app, self.config = app, config
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals.update(
            job_label=views.JOB_LABELS,
            trigger_label=views.TRIGGER_LABELS,
            status_label=views.STATUS_LABELS,
            count_label=views.COUNT_LABELS,
            state_label=views.STATE_LABELS,
            alert_kind=views.alert_kind,
            local=views.local,
        )

    # --- dates --------------------------------------------------------------------------------
    def as_of(self) -> date:
        return self.config.as_of or today()

    def now(self) -> datetime:
        """The real time: ``as_of`` changes the day judged, never the time things happen at."""
        return self.app.clock()

    def judged_at(self) -> datetime:
        """The moment the page judges silences at: now, or 9:00 on the day it is served as of."""
        return judging_moment(self.now(), self.config.as_of)

    # --- the guards ---------------------------------------------------------------------------
    def user(self, request: Request) -> WebUser | None:
        """The logged-in user; a session past its absolute or idle limit is ended here."""
        session = request.session
        if "sid" not in session:
            return None
        now = self.config.clock().timestamp()
        born, seen = session.get("born"), session.get("seen")
        if (
            not isinstance(born, int | float)
            or not isinstance(seen, int | float)
            or now - born > self.config.session_hours * 3600
            or now - seen > self.config.idle_minutes * 60
        ):
            end_session(self.app.engine, session.get("sid"))  # every copy of it ends too
            session.clear()
            self.flash(request, "登录已过期，请重新登录", "warning")
            return None
        user = load_user(self.app.engine, session.get("sid"))
        if user is None:  # logged out elsewhere, a new password, or ended by an administrator
            session.clear()
            self.flash(request, "登录已失效，请重新登录", "warning")
            return None
        session["seen"] = now
        return user

    def page_user(self, request: Request) -> WebUser:
        """The logged-in user, or a redirect to the login page."""
        user = self.user(request)
        if user is None:
            raise HTTPException(303, headers={"Location": "/login"})
        return user

    async def form(self, request: Request, *, staff: bool = True) -> tuple[WebUser | None, FormData]:
        """A POST's form, once its CSRF token matched the session's (and, if asked, from a logged-in
        user who may act on some project; the handler then asks :meth:`allow` about its own)."""
        form = await request.form()
        expected = request.session.get("csrf", "")
        given = str(form.get("csrf", ""))
        if not expected or not hmac.compare_digest(expected, given):
            raise HTTPException(403, "表单已失效（缺少或不匹配的安全令牌），请刷新页面后重试")
        if not staff:
            return None, form
        user = self.user(request)
        if user is None:
            raise HTTPException(403, "请先登录")
        if not self.scope(user).acts_anywhere():  # read-only everywhere: no form is theirs
            raise HTTPException(403, "只读账号不能进行此操作")
        return user, form

    def scope(self, user: WebUser) -> Scope:
        return scope_of(self.app.engine, user)

    def allow(self, user: WebUser, project: str, *, act: bool = False, coordinate: bool = False) -> None:
        """Refuse (403) a user who may not see ``project`` or, with ``act``, may not change it
        (with ``coordinate``, may not sign off, revoke reply links or test channels there).

        Every page, download and form about one project asks this before it reads or writes. A
        project outside the user's scope is refused the same whether it exists or not.
        """
        need = Need.COORDINATE if coordinate else Need.ACT if act else Need.READ
        level = self.scope(user).level(project)
        if level >= need:
            return
        if level < Need.READ:
            raise HTTPException(403, NOT_YOURS)
        if need is Need.ACT:
            raise HTTPException(403, "只读账号不能进行此操作")
        raise HTTPException(403, "这项操作需要项目协调人或管理员来做")

    def every_project(self) -> list[tuple[str, str]]:
        """Every project (code, name), in the order the pages list them."""
        with session_scope(self.app.engine) as session:
            return views.project_codes(session)

    def visible(self, scope: Scope, every: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        """The projects (code, name) this user may see: the overview and the navigation list."""
        return [(code, name) for code, name in every or self.every_project() if scope.may(code, Need.READ)]

    def may_refresh(self, scope: Scope, every: list[tuple[str, str]] | None = None) -> bool:
        """A refresh collects, judges and sends for every project: only for who may act on all."""
        return scope.acts_on_all(code for code, _ in every or self.every_project())

    def render(self, request: Request, name: str, user: WebUser | None, **context: Any) -> Response:
        """Render a page; ``scope_code`` (the page's project) decides which buttons it shows."""
        if "csrf" not in request.session:
            request.session["csrf"] = secrets.token_urlsafe(32)
        code = context.pop("scope_code", None)
        scope = self.scope(user) if user is not None else Scope(UserRole.MEMBER)
        every = self.every_project() if user is not None else []  # one read for the nav and the buttons
        visible = self.visible(scope, every) if user is not None else []
        context.update(
            user=user,
            staff=scope.may(code, Need.ACT) if code else scope.acts_anywhere(),
            coordinator=code is not None and scope.may(code, Need.COORDINATE),
            refresher=user is not None and self.may_refresh(scope, every),
            admin=scope.role is UserRole.ADMIN and user is not None,
            csrf=request.session["csrf"],
            flashes=request.session.pop("flash", []),
            # Each project in the bar, or, for a province's many, one link to the overview's list.
            projects=visible if len(visible) <= OVERVIEW_CARDS else [],
            project_total=len(visible),
            as_of=self.as_of(),
        )
        return self.templates.TemplateResponse(request, name, context)

    @staticmethod
    def flash(request: Request, text: str, tone: str = "ok") -> None:
        request.session.setdefault("flash", []).append([tone, text])

    # --- pages --------------------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        return self.render(request, "login.html", None, error=None)

    async def login(self, request: Request) -> Response:
        _, form = await self.form(request, staff=False)
        username = str(form.get("username", "")).strip()
        client = request.client.host if request.client else "-"
        throttle, now, engine = self.config.throttle, self.config.clock(), self.app.engine
        wait = throttle.wait(engine, username=username, client=client, now=now)
        if wait is not None:  # refused before the password is checked: guessing stops, not slows
            log.warning("网页登录被限制：用户名 %r，来自 %s", username[:40], client)
            error = f"登录失败次数过多，请 {minutes(wait)} 分钟后再试"
            response = self.render(request, "login.html", None, error=error)
            response.status_code = 429
            response.headers["Retry-After"] = str(int(wait.total_seconds()) + 1)
            return response
        user = authenticate(engine, username, str(form.get("password", "")))
        if user is None:
            throttle.failed(engine, username=username, client=client, now=now)
            log.warning("网页登录失败：用户名 %r，来自 %s", username[:40], client)
            response = self.render(request, "login.html", None, error="用户名或密码不正确")
            response.status_code = 401
            return response
        throttle.succeeded(engine, username=username)
        end_session(engine, request.session.get("sid"))  # logging in again ends the login before
        request.session.clear()
        lifetime = timedelta(hours=self.config.session_hours)
        token = start_session(engine, user, now=now, forget_before=now - lifetime)
        stamp = now.timestamp()
        request.session.update(sid=token, csrf=secrets.token_urlsafe(32), born=stamp, seen=stamp)
        return RedirectResponse("/", 303)

    async def logout(self, request: Request) -> Response:
        await self.form(request, staff=False)
        end_session(self.app.engine, request.session.get("sid"))
        request.session.clear()
        return RedirectResponse("/login", 303)

    async def overview(self, request: Request) -> Response:
        user = self.page_user(request)
        codes = [code for code, _ in self.visible(self.scope(user))]
        if len(codes) > OVERVIEW_CARDS:  # a province: a line per project, its bars on its own page
            rows = lists.project_counts(self, codes)
            with session_scope(self.app.engine) as session:
                runs = views.recent_runs(session)
            running = lock.current(self.app.engine)
            return self.render(request, "overview.html", user, rows=rows, runs=runs, running=running)
        with session_scope(self.app.engine) as session:
            pages = [
                views.project_page(session, code, self.as_of(), self.app.calendar, self.app.policy)
                for code in codes
            ]
            runs = views.recent_runs(session)
        # The one source of the counts; no project at all must not read as "every project".
        work = {w.code: w for w in lists.project_lists(self, codes)} if codes else {}
        running = lock.current(self.app.engine)
        return self.render(request, "overview.html", user, pages=pages, work=work, runs=runs, running=running)

    async def project(self, request: Request) -> Response:
        user = self.page_user(request)
        code = request.path_params["code"]
        self.allow(user, code)
        with session_scope(self.app.engine) as session:
            page = views.project_page(session, code, self.as_of(), self.app.calendar, self.app.policy)
            runs = views.recent_runs(session, 5)
            quiet = silences.panel(self, session, request.path_params["code"], request.query_params)
        if page is None:
            raise HTTPException(404, "没有这个项目")
        running = lock.current(self.app.engine)
        return self.render(
            request, "project.html", user, page=page, runs=runs, running=running, quiet=quiet, scope_code=code
        )

    async def refresh(self, request: Request) -> Response:
        user, _ = await self.form(request)
        assert user is not None
        if not self.may_refresh(self.scope(user)):
            raise HTTPException(403, "刷新会采集并提醒所有项目，只有能处理全部项目的人（如管理员）可以发起")
        problem = self.start_refresh(user.display_name)
        if problem:
            self.flash(request, problem, "warning")
        else:
            self.flash(request, "已开始刷新：采集 → 评估 → 发送，完成后在“最近运行”中可见")
        return RedirectResponse(_back(request), 303)

    def start_refresh(self, who: str) -> str | None:
        """Start a refresh in the background; the "already running" text if the lock is taken."""
        from jobs.triggers import run_refresh

        started: queue.Queue[str | None] = queue.Queue()

        def work() -> None:
            try:
                run_refresh(
                    self.app,
                    as_of=self.as_of(),
                    now=self.now(),
                    trigger="web",
                    who=f"网页，{who}",
                    on_started=lambda: started.put(None),
                )
            except lock.AlreadyRunningError as busy:
                started.put(str(busy))
            except Exception:
                log.exception("网页发起的刷新失败")
                started.put(None)

        threading.Thread(target=work, name="web-refresh", daemon=True).start()
        try:
            return started.get(timeout=30)
        except queue.Empty:
            return "刷新启动较慢，请稍后查看“最近运行”"

    async def alert_action(self, request: Request) -> Response:
        user, form = await self.form(request)
        assert user is not None
        alert_id, action = row_id(request, "alert_id"), request.path_params["action"]
        if action not in ("ack", "unack", "silence"):
            raise HTTPException(404, "没有这个操作")
        with session_scope(self.app.engine) as session:
            code = project_of_alert(session, alert_id=alert_id)
        if code is None:
            raise HTTPException(404, "没有这条提醒")
        self.allow(user, code, act=True)
        reason = f"{str(form.get('reason', '')).strip()}（{user.display_name}）" if form.get("reason") else ""
        try:
            with session_scope(self.app.engine) as session:
                if action == "unack":
                    alert = alerts.unacknowledge_by_id(
                        session, alert_id=alert_id, reason=reason, actor=user.display_name, now=self.now()
                    )
                    self.flash(request, f"已撤销确认：{alert.subject}，将按提醒计划照常提醒")
                elif action == "ack":
                    alert = alerts.acknowledge_by_id(
                        session, alert_id=alert_id, reason=reason, actor=user.display_name, now=self.now()
                    )
                    self.flash(request, f"已确认：{alert.subject}")
                else:
                    until = _until(str(form.get("until", "")))
                    alert = alerts.silence_by_id(
                        session,
                        alert_id=alert_id,
                        until=until,
                        reason=reason,
                        actor=user.display_name,
                        now=self.now(),
                        judged_at=self.judged_at(),
                    )
                    self.flash(request, f"已静默至 {until:%Y-%m-%d}：{alert.subject}")
        except DubanError as error:
            self.flash(request, str(error), "warning")
        return RedirectResponse(_back(request), 303)

    async def evidence(self, request: Request) -> Response:
        user = self.page_user(request)
        root = self.app.settings.evidence_dir.resolve()
        wanted = int(request.path_params["evidence_id"])
        if not 0 < wanted < 2**63:  # beyond any database's integer: no such row, not a crash
            raise HTTPException(404, "证据文件不存在")
        with session_scope(self.app.engine) as session:
            row = evidence_by_id(session, evidence_id=wanted)
            owners = projects_of_evidence(session, evidence_id=wanted) if row is not None else set()
        self.allow_evidence(user, owners)
        path = (root / row.path).resolve() if row else None
        if row is None or path is None or not path.is_relative_to(root) or not path.exists():
            raise HTTPException(404, "证据文件不存在")
        name = f"证据-{row.fetched_at.astimezone(OFFICE_TZ):%Y%m%d}-{row.sha256[:12]}{path.suffix}"
        # Always a download, never rendered here: the page came from someone else's server.
        return FileResponse(
            path, filename=name, content_disposition_type="attachment", media_type="application/octet-stream"
        )

    def allow_evidence(self, user: WebUser, owners: set[str]) -> None:
        """A file may be read by whoever may read one of its projects; a file of no project (or
        no such file: guessing ids tells nothing) only by those who read every project."""
        scope = self.scope(user)
        if not any(scope.may(code, Need.READ) for code in owners) and not scope.sees_everything():
            raise HTTPException(403, NOT_YOURS)


def _back(request: Request) -> str:
    referer = request.headers.get("referer", "")
    path = "/" + referer.split("://", 1)[-1].split("/", 1)[-1] if referer else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


def _until(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise alerts.AlertActionError("请选择静默截止日期") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=OFFICE_TZ)  # through that whole day


def _headers(config: WebConfig) -> Any:
    """Security headers on every response; HSTS only when the page is served over HTTPS."""
    headers = dict(SECURITY_HEADERS)
    if config.secure_cookies:  # set only behind HTTPS: over plain http it would lock browsers out
        headers["Strict-Transport-Security"] = "max-age=31536000"

    async def dispatch(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return dispatch


def create_app(app: App, config: WebConfig) -> Starlette:
    site = Site(app, config)
    routes = [
        Route("/login", site.login_page, methods=["GET"]),
        Route("/login", site.login, methods=["POST"]),
        Route("/logout", site.logout, methods=["POST"]),
        Route("/", site.overview, methods=["GET"]),
        Route("/p/{code}", site.project, methods=["GET"]),
        Route("/refresh", site.refresh, methods=["POST"]),
        Route("/alerts/{alert_id:int}/{action:str}", site.alert_action, methods=["POST"]),
        Route("/evidence/{evidence_id:int}", site.evidence, methods=["GET"]),
        *items.routes(site),
        *indicators.routes(site),
        *ledger.routes(site),
        *reply.routes(site),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/metrics", health.metrics, methods=["GET"]),
        *lists.routes(site),
        *silences.routes(site),
        *exports.routes(site),
        *channels.routes(site),
        *admin.routes(site),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    # Outermost: the client address every later layer sees (the login limit counts it) is the
    # connection's unless that connection comes from a trusted proxy.
    proxies = [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(config.trusted_proxies))]
    web = Starlette(
        routes=routes,
        middleware=[
            *(proxies if config.trusted_proxies else []),
            Middleware(BaseHTTPMiddleware, dispatch=_headers(config)),
            Middleware(
                SessionMiddleware,
                secret_key=config.secret_key,
                session_cookie="duban_session",
                max_age=int(config.session_hours * 3600),
                same_site="strict",
                https_only=config.secure_cookies,
            ),
        ],
        exception_handlers={HTTPException: site_error(site)},
    )
    web.state.site = site
    return web


def site_error(site: Site) -> Any:
    async def handler(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 303 and exc.headers:
            return RedirectResponse(exc.headers["Location"], 303)
        response = site.templates.TemplateResponse(
            request,
            "error.html",
            {"message": exc.detail, "status": exc.status_code},
            status_code=exc.status_code,
        )
        return response

    return handler
