"""The administrators' page: who may log in, their role, the projects granted to them.

Only administrators open it. Adding a user sets an initial password they change with
``duban user add`` (or an administrator sets again here by adding the same name); deactivating
ends the user's open logins at once. An administrator cannot lock themselves out from here:
their own account can be neither deactivated nor made less than administrator.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.site import Pages, row_id
from bot.web.users import save_user, set_access, set_active, users_with_grants
from bot.web.views import project_codes
from db.engine import session_scope
from db.models import ProjectRole, UserRole, WebUser
from domain.errors import DubanError

HERE = "/admin/users"


class SelfLockoutError(DubanError):
    """An administrator tried to deactivate or demote their own account from the page."""


async def _admin_form(site: Pages, request: Request) -> tuple[WebUser, FormData]:
    user, form = await site.form(request)
    assert user is not None
    _refuse_unless_admin(user)
    return user, form


def _refuse_unless_admin(user: WebUser) -> None:
    if user.role is not UserRole.ADMIN:
        raise HTTPException(403, "只有管理员可以管理网页用户")


def _done(site: Pages, request: Request, change: Callable[[], str]) -> Response:
    """Make the change and say what it did, or why it was refused; then back to the list."""
    try:
        site.flash(request, change())
    except DubanError as error:
        site.flash(request, str(error), "warning")
    return RedirectResponse(HERE, 303)


def _projects(site: Pages) -> list[tuple[str, str]]:
    with session_scope(site.app.engine) as session:
        return project_codes(session)


def _access(site: Pages, form: FormData) -> tuple[str, dict[str, str]]:
    """The role and, for a member, the grants chosen in the form (one select per project)."""
    role = str(form.get("role", ""))
    if role != UserRole.MEMBER:
        return role, {}
    chosen = {code: str(form.get(f"grant:{code}", "")) for code, _ in _projects(site)}
    return role, {code: value for code, value in chosen.items() if value}


def routes(site: Pages) -> list[Route]:
    async def page(request: Request) -> Response:
        user = site.page_user(request)
        _refuse_unless_admin(user)
        return site.render(
            request,
            "admin_users.html",
            user,
            rows=users_with_grants(site.app.engine),
            all_projects=_projects(site),
            user_roles=list(UserRole),
            project_roles=list(ProjectRole),
        )

    async def add(request: Request) -> Response:
        _, form = await _admin_form(site, request)
        username = str(form.get("username", "")).strip()
        role, grants = _access(site, form)

        def change() -> str:
            created, _ = save_user(
                site.app.engine,
                username=username,
                password=str(form.get("password", "")),
                display_name=str(form.get("display_name", "")).strip() or None,
                role=role,
                grants=grants,
            )
            return f"{'已添加' if created else '已重设'}网页用户 {username}"

        return _done(site, request, change)

    async def access(request: Request) -> Response:
        user, form = await _admin_form(site, request)
        target = row_id(request, "user_id")
        role, grants = _access(site, form)

        def change() -> str:
            if target == user.id and role != UserRole.ADMIN:
                raise SelfLockoutError("不能取消自己的管理员角色，请让另一位管理员操作")
            changed = set_access(site.app.engine, user_id=target, role=role, grants=grants)
            return f"已保存 {changed.display_name} 的权限，对方下次打开页面时生效"

        return _done(site, request, change)

    async def activate(request: Request) -> Response:
        user, form = await _admin_form(site, request)
        target, active = row_id(request, "user_id"), form.get("active") == "1"

        def change() -> str:
            if target == user.id and not active:
                raise SelfLockoutError("不能停用自己的账号，请让另一位管理员操作")
            changed = set_active(site.app.engine, user_id=target, active=active)
            done = "已启用" if active else "已停用，其所有登录已立即失效"
            return f"{changed.display_name}（{changed.username}）{done}"

        return _done(site, request, change)

    return [
        Route(HERE, page, methods=["GET"]),
        Route(HERE, add, methods=["POST"]),
        Route(HERE + "/{user_id:int}/access", access, methods=["POST"]),
        Route(HERE + "/{user_id:int}/active", activate, methods=["POST"]),
    ]
