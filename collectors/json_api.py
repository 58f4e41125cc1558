"""``json``: token-authenticated JSON APIs, one record per month (or per day, summed per month).

Settings:

* ``url`` — the endpoint; ``{month}``/``{year}``/``{mm}``/``{yyyymm}`` make it one request per month
  (as in ``html``), ``{page}`` is the page number;
* ``token`` — a ``${ENV}`` reference, sent as ``Authorization: Bearer <token>``; ``auth_header``
  and ``auth_scheme`` change the header name and the scheme (``""`` sends the bare token);
* ``records_path`` — where the list of records is (``data.list``; ``""`` for a top-level list);
* ``month_path`` — the month (or date) inside a record; without it the month asked for in the
  URL is used;
* ``aggregate`` — ``true`` when several records fall in one month (daily records) and are summed;
* ``status_path`` / ``ok_values`` / ``message_path`` — for APIs that answer HTTP 200 with the
  failure in the body (``{"code": 401, "msg": "token 已过期"}``): the code's path, the codes that
  mean success (default ``[0, 200]``) and the message's path;
* ``page_param`` / ``first_page`` / ``pages_path`` / ``max_pages`` — pagination: the query parameter
  for the page number (or a ``{page}`` placeholder), the first page (default 1), the path of the
  total number of pages; without ``pages_path`` pages are read until one has no records;
* ``cumulative`` / ``fields`` — see :mod:`collectors.figures`.

An indicator's ``source_field`` is the path of its value inside a record (``gmv`` or
``stats.retail``); a number, or a string such as ``"12.3万"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from collectors.base import Collected, Collector, Figure, SourceConfig
from collectors.fetched import Fetched
from collectors.figures import Located, field_options, month_of, sum_by_month
from collectors.months import fill_month, months_wanted, per_month
from domain.errors import ConfigurationError, FetchError, LayoutError, LoginError

DEFAULT_MAX_PAGES = 50
_MISSING = object()


def at_path(data: Any, path: str) -> Any:
    """``data["a"]["b"][0]`` for ``a.b.0``; ``_MISSING`` when any step is absent."""
    if not path:
        return data
    for step in path.split("."):
        if isinstance(data, list) and step.lstrip("-").isdigit() and -len(data) <= int(step) < len(data):
            data = data[int(step)]
        elif isinstance(data, dict) and step in data:
            data = data[step]
        else:
            return _MISSING
    return data


def _error(
    kind: type[FetchError] | type[LayoutError], code: str, problem: str, fetched: Fetched
) -> Exception:
    error = kind(code, problem, url=fetched.url)
    error.evidence = fetched
    return error


def page_records(body: Fetched, settings: Mapping[str, Any], code: str) -> tuple[list[Any], int | None]:
    """The records of one answer and, when the API says, the number of pages. Pure."""
    try:
        data = json.loads(body.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _error(
            LayoutError, code, f"返回的不是 JSON（{exc.__class__.__name__}），接口可能已改变", body
        ) from None
    status_path = settings.get("status_path")
    if status_path:
        status = at_path(data, status_path)
        if status not in settings.get("ok_values", [0, 200]):
            said = at_path(data, settings.get("message_path", "msg"))
            said = "" if said is _MISSING else f"：{said}"
            kind = LoginError if status in (401, 403, "401", "403") else FetchError
            raise _error(kind, code, f"接口返回 {status_path}={status}{said}", body)
    records = at_path(data, str(settings.get("records_path", "")))
    if records is _MISSING or not isinstance(records, list):
        where = settings.get("records_path") or "顶层"
        raise _error(LayoutError, code, f"JSON 中 {where} 不是记录列表（接口可能已改变）", body)
    pages = at_path(data, settings["pages_path"]) if settings.get("pages_path") else None
    return records, int(pages) if isinstance(pages, int | float | str) and str(pages).isdigit() else None


class JsonCollector(Collector):
    kind = "json"

    def collect(
        self, source: SourceConfig, *, now: datetime, month: str | None = None, as_of: date | None = None
    ) -> Collected:
        settings = source.settings
        if not settings.get("url"):
            raise ConfigurationError(f"数据源 {source.code} 没有配置 url")
        url = str(settings["url"])
        back = int(settings.get("months_back", 1))
        months = months_wanted(as_of or now, month, back) if per_month(url) else [None]
        collected = Collected()
        for wanted in months:
            answers = self._pages(source, settings, fill_month(url, wanted) if wanted else url, now=now)
            collected.figures += figures_from_records(answers, source, settings, wanted)
        return collected

    def _pages(
        self, source: SourceConfig, settings: Mapping[str, Any], url: str, *, now: datetime
    ) -> list[tuple[Fetched, list[Any]]]:
        http = self.env.http
        session = http.session(f"{source.project}/{source.code}")
        headers = {"Accept": "application/json"}
        if settings.get("token"):
            scheme = str(settings.get("auth_scheme", "Bearer"))
            headers[str(settings.get("auth_header", "Authorization"))] = (
                f"{scheme} {settings['token']}".strip()
            )
        page_param, page = settings.get("page_param"), int(settings.get("first_page", 1))
        paged = bool(page_param) or "{page}" in url
        answers: list[tuple[Fetched, list[Any]]] = []
        for _ in range(int(settings.get("max_pages", DEFAULT_MAX_PAGES))):
            target = url.replace("{page}", str(page))
            if page_param:
                joiner = "&" if urlsplit(target).query else "?"
                target += joiner + urlencode({str(page_param): page})
            fetched = http.request(
                session, source.code, "GET", target, now=now, headers=headers, check_status=False
            )
            if fetched.status in (401, 403):
                raise _error(
                    LoginError, source.code, f"令牌被拒绝（HTTP {fetched.status}），请更新 token", fetched
                )
            if (fetched.status or 0) >= 400:
                raise _error(FetchError, source.code, f"服务器返回 HTTP {fetched.status}", fetched)
            records, pages = page_records(fetched, settings, source.code)
            answers.append((fetched, records))
            if not paged or not records or (pages is not None and page >= pages):
                return answers
            page += 1
        raise _error(LayoutError, source.code, "分页超过 max_pages，可能是分页参数有误", answers[-1][0])


def figures_from_records(
    answers: list[tuple[Fetched, list[Any]]],
    source: SourceConfig,
    settings: Mapping[str, Any],
    month: str | None,
) -> list[Figure]:
    """Figures for every indicator the source feeds, from the records of every page. Pure."""
    code, month_path = source.code, settings.get("month_path")
    if not any(records for _, records in answers):
        raise _error(LayoutError, code, "接口没有返回任何记录", answers[-1][0])
    if not month_path and month is None:
        raise LayoutError(code, "没有 month_path，url 中也没有 {month}：无法知道数据属于哪个月")
    figures: list[Figure] = []
    for spec in source.figures:
        options = field_options(settings, spec.label)
        found: list[Located] = []
        for number, (fetched, records) in enumerate(answers, start=1):
            for index, record in enumerate(records):
                where = f"第 {number} 页第 {index + 1} 条记录的 {spec.label}"
                value = at_path(record, spec.label)
                if value is _MISSING:
                    raise _error(LayoutError, code, f"{where} 不存在（接口字段可能已改变）", fetched)
                raw_month = at_path(record, month_path) if month_path else month
                if raw_month is _MISSING:
                    raise _error(
                        LayoutError, code, f"第 {number} 页第 {index + 1} 条记录没有 {month_path}", fetched
                    )
                found.append(Located(month_of(raw_month, code, f"{where}："), value, where, fetched))
        figures += sum_by_month(
            spec,
            found,
            page_unit=options.unit,
            cumulative=options.cumulative,
            source=code,
            aggregate=bool(settings.get("aggregate", False)),
        )
    return figures
