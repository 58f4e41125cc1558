"""The project's work lists on the page: overdue, due soon, behind pace, not reported.

Filters are plain GET parameters (unit, person, kind, state), so a filtered list is a link
anyone on the team can send. Leaders see the same lists; there is nothing to change here.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.site import Pages
from bot.worklist import KIND_LABELS, STATE_LABELS, Filters, ListCounts, WorkList, list_counts, work_lists
from db.engine import session_scope


def project_lists(site: Pages, codes: list[str] | None) -> list[WorkList]:
    """The lists as the page's judging day sees them (the overview's counts come from here too)."""
    with session_scope(site.app.engine) as session:
        return work_lists(session, codes, site.as_of(), site.app.calendar, site.app.policy, site.now())


def project_counts(site: Pages, codes: list[str]) -> list[ListCounts]:
    """Only the lists' counts, as the page's judging day sees them (a province's overview)."""
    with session_scope(site.app.engine) as session:
        return list_counts(session, codes, site.as_of(), site.app.calendar, site.app.policy)


def routes(site: Pages) -> list[Route]:
    async def lists_page(request: Request) -> Response:
        user = site.page_user(request)
        code = request.path_params["code"]
        site.allow(user, code)
        found = project_lists(site, [code])
        if not found:
            raise HTTPException(404, "没有这个项目")
        query = request.query_params
        filters = Filters(
            unit=query.get("unit", ""),
            person=query.get("person", ""),
            kind=query.get("kind", ""),
            state=query.get("state", ""),
        )
        work = found[0]
        return site.render(
            request,
            "lists.html",
            user,
            work=work,
            entries=work.filtered(filters),
            filters=filters,
            kind_labels={k.value: v for k, v in KIND_LABELS.items()},
            state_labels=STATE_LABELS,
            scope_code=code,
        )

    return [Route("/p/{code}/lists", lists_page, methods=["GET"])]
