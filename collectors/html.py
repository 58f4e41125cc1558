"""``html``: report tables on HTML pages, behind a form login or not (``html_table`` is its alias).

Settings (the plan's ``sources[].settings``; ``${ENV}`` references allowed everywhere):

* ``url`` — the report page. With ``{month}`` (``2023-09``), ``{year}``, ``{mm}`` or ``{yyyymm}``
  in it, one page is read per month: the month asked for, else the ``months_back`` (default 1)
  months before the current one;
* ``layout`` — ``month_rows`` (default: one row per month, one column per figure) or
  ``label_rows`` (one row per indicator on a month's page, see ``label_header``);
* ``month_header`` — header of the month column (``month_rows``; default ``月份``);
* ``label_header`` / ``value_header`` / ``unit_header`` — for ``label_rows``: the column naming the
  indicator (default ``指标名称``), the column with the value (default ``本月``) and an optional
  unit column (``计量单位``);
* ``table_selector`` — CSS selector of the table (or of an element around it) when the page has
  several; otherwise the first table whose header row has the month/label header;
* ``next_selector`` / ``max_pages`` — pagination: the "next page" link (default: a link reading
  下一页) and how many pages at most (default 20);
* ``encoding`` — forces the page encoding; otherwise the HTTP header, then ``<meta charset>``;
* ``complete_marker`` — text a whole page ends with (default ``</html>``; ``""`` turns the
  truncation check off);
* ``cumulative`` / ``fields`` — see :mod:`collectors.figures`;
* ``status_pattern`` / ``status_selector`` / ``filed_words`` — a month's 填报状态 (see
  :mod:`collectors.mofcom`); read only when ``status_pattern`` is set;
* login settings — see :mod:`collectors.login`.

Each indicator fed by the source names its column (``month_rows``) or row label (``label_rows``)
in ``source_field``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import requests
from lxml.html import HtmlElement

from collectors.base import Collected, Collector, Figure, Filing, SourceConfig
from collectors.fetched import Fetched
from collectors.figures import Located, field_options, is_total, month_of, sum_by_month
from collectors.login import apply_cookies, log_in, page_doc
from collectors.months import fill_month, months_wanted, per_month
from collectors.numbers import normalise_text
from collectors.tables import (
    Table,
    TableNotFoundError,
    bare,
    column_index,
    column_unit,
    find_table,
    is_login_page,
    next_page,
    text_matching,
)
from domain.errors import ConfigurationError, FetchError, LayoutError, LoginError

DEFAULT_MAX_PAGES = 20


class HtmlCollector(Collector):
    kind = "html"

    def defaults(self) -> dict[str, Any]:
        """Settings a preset supplies; the plan's settings override them key by key."""
        return {}

    def settings_for(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The plan's settings over the preset's defaults; ``url`` is required."""
        merged = {**self.defaults(), **settings}
        return merged

    def collect(
        self, source: SourceConfig, *, now: datetime, month: str | None = None, as_of: date | None = None
    ) -> Collected:
        settings = self.settings_for(source.settings)
        if not settings.get("url"):
            raise ConfigurationError(f"数据源 {source.code} 没有配置 url")
        session = self.env.http.session(f"{source.project}/{source.code}")
        apply_cookies(session, settings)
        url = str(settings["url"])
        collected = Collected()
        back = int(settings.get("months_back", 1))
        months = months_wanted(as_of or now, month, back) if per_month(url) else [None]
        for wanted in months:
            page_url = fill_month(url, wanted) if wanted else url
            pages = self._pages(session, source, settings, page_url, now=now)
            filing = None
            if wanted is not None and settings.get("status_pattern"):
                filing = _filing(pages[0], settings, wanted, source.code)
                collected.filings.append(filing)
            try:
                collected.figures.extend(_figures(pages, source, settings, wanted))
            except LayoutError:
                if filing is not None and not filing.filed:
                    continue  # a month not yet reported may show no table at all
                raise
        return collected

    def _pages(
        self,
        session: requests.Session,
        source: SourceConfig,
        settings: Mapping[str, Any],
        url: str,
        *,
        now: datetime,
    ) -> list[tuple[Fetched, HtmlElement]]:
        """Every page of the report, following "next page" links; each one checked for login."""
        pages: list[tuple[Fetched, HtmlElement]] = []
        seen: set[str] = set()
        limit = int(settings.get("max_pages", DEFAULT_MAX_PAGES))
        next_url: str | None = url
        while next_url and next_url not in seen:
            if len(pages) >= limit:
                raise _layout(
                    source.code, f"分页超过 {limit} 页（max_pages），可能是翻页链接有误", pages[-1][0]
                )
            seen.add(next_url)
            fetched, doc = self._page(session, source, settings, next_url, now=now)
            pages.append((fetched, doc))
            next_url = next_page(doc, fetched.url, settings.get("next_selector"))
        return pages

    def _page(
        self,
        session: requests.Session,
        source: SourceConfig,
        settings: Mapping[str, Any],
        url: str,
        *,
        now: datetime,
    ) -> tuple[Fetched, HtmlElement]:
        http, code, encoding = self.env.http, source.code, settings.get("encoding")
        fetched = http.request(session, code, "GET", url, now=now, check_status=False)
        doc = page_doc(fetched, encoding, code)
        if _needs_login(fetched, doc, settings):
            if not settings.get("login_url"):
                error = LoginError(code, "页面要求登录，但数据源没有配置 login_url", url=url)
                error.evidence = fetched
                raise error
            log_in(http, session, code, settings, now=now)  # a first visit, or the session expired
            fetched = http.request(session, code, "GET", url, now=now, check_status=False)
            doc = page_doc(fetched, encoding, code)
            if _needs_login(fetched, doc, settings):
                error = LoginError(code, "登录成功后再次被要求登录（会话无法保持）", url=url)
                error.evidence = fetched
                raise error
        if (fetched.status or 0) >= 400:
            refused = FetchError(code, f"服务器返回 HTTP {fetched.status}", url=fetched.url)
            refused.evidence = fetched
            raise refused
        marker = settings.get("complete_marker", "</html>")
        if marker and marker.lower().encode() not in fetched.body[-4096:].lower():
            raise _layout(code, f"页面不完整（结尾没有 {marker}），可能传输中断", fetched)
        return fetched, doc


def _needs_login(fetched: Fetched, doc: HtmlElement, settings: Mapping[str, Any]) -> bool:
    return fetched.status in (401, 403, 419, 440) or is_login_page(doc, settings.get("login_marker"))


def _layout(code: str, problem: str, fetched: Fetched) -> LayoutError:
    error = LayoutError(code, problem, url=fetched.url)
    error.evidence = fetched
    return error


Page = tuple[Fetched, HtmlElement]


def _tables(
    pages: list[Page], header: str, selector: str | None, code: str
) -> list[tuple[Fetched, Table, str]]:
    found = []
    for number, (fetched, doc) in enumerate(pages, start=1):
        try:
            table = find_table(doc, header=header, selector=selector)
        except TableNotFoundError as exc:
            raise _layout(code, str(exc), fetched) from None
        found.append((fetched, table, f"第 {number} 页，" if len(pages) > 1 else ""))
    if not any(table.rows for _, table, _ in found):
        raise _layout(code, f"表头为“{header}”的报表中没有数据行", pages[-1][0])
    return found


def _column(table: Table, wanted: str, code: str, fetched: Fetched) -> int:
    index = column_index(table.headers, wanted)
    if index is None:
        raise _layout(code, f"报表中找不到列“{wanted}”（页面布局可能已改变）", fetched)
    return index


def _figures(
    pages: list[Page], source: SourceConfig, settings: Mapping[str, Any], month: str | None
) -> list[Figure]:
    if settings.get("layout", "month_rows") == "label_rows":
        if month is None:
            raise LayoutError(source.code, "layout: label_rows 需要在 url 中写 {month}（每月一页）")
        return _label_rows(pages, source, settings, month)
    return _month_rows(pages, source, settings)


def _month_rows(pages: list[Page], source: SourceConfig, settings: Mapping[str, Any]) -> list[Figure]:
    code, month_header = source.code, str(settings.get("month_header", "月份"))
    tables = _tables(pages, month_header, settings.get("table_selector"), code)
    figures: list[Figure] = []
    for spec in source.figures:
        options = field_options(settings, spec.label)
        found: list[Located] = []
        unit = None
        for fetched, table, page in tables:
            month_at, index = (
                _column(table, month_header, code, fetched),
                _column(table, spec.label, code, fetched),
            )
            unit = unit or column_unit(table.headers, index, spec.label)
            for row in table.rows:
                label = row[month_at] if month_at < len(row) else ""
                if is_total(label):
                    continue
                where = f"{page}行“{label}”，列“{table.headers[index]}”"
                cell = row[index] if index < len(row) else ""
                found.append(Located(month_of(label, code, f"{page}行“{label}”："), cell, where, fetched))
        figures += sum_by_month(
            spec,
            found,
            page_unit=unit or options.unit,
            cumulative=options.cumulative,
            source=code,
            aggregate=False,
        )
    return figures


def _label_rows(
    pages: list[Page], source: SourceConfig, settings: Mapping[str, Any], month: str
) -> list[Figure]:
    code = source.code
    label_header = str(settings.get("label_header", "指标名称"))
    tables = _tables(pages, label_header, settings.get("table_selector"), code)
    unit_header = settings.get("unit_header")
    figures: list[Figure] = []
    for spec in source.figures:
        options = field_options(settings, spec.label)
        value_header = str(options.column or settings.get("value_header", "本月"))
        hit: tuple[Located, str | None] | None = None
        for fetched, table, page in tables:
            label_at, value_at = (
                _column(table, label_header, code, fetched),
                _column(table, value_header, code, fetched),
            )
            unit_at = column_index(table.headers, str(unit_header)) if unit_header else None
            for row in table.rows:
                label = row[label_at] if label_at < len(row) else ""
                if not _same_label(label, spec.label):
                    continue
                unit = row[unit_at].strip() if unit_at is not None and unit_at < len(row) else None
                unit = unit or column_unit(table.headers, value_at, value_header) or options.unit
                cell = row[value_at] if value_at < len(row) else ""
                hit = (
                    Located(month, cell, f"{page}行“{label}”，列“{table.headers[value_at]}”", fetched),
                    unit,
                )
                break
            if hit:
                break
        if hit is None:
            raise _layout(code, f"{month} 报表中找不到指标“{spec.label}”（页面布局可能已改变）", pages[0][0])
        figures += sum_by_month(
            spec, [hit[0]], page_unit=hit[1], cumulative=options.cumulative, source=code, aggregate=False
        )
    return figures


def _same_label(cell: str, wanted: str) -> bool:
    return normalise_text(cell) == normalise_text(wanted) or bare(cell) == bare(wanted)


def _filing(page: Page, settings: Mapping[str, Any], month: str, code: str) -> Filing:
    fetched, doc = page
    status = text_matching(doc, str(settings["status_pattern"]), settings.get("status_selector"))
    if status is None:
        raise _layout(code, f"{month} 报表页面上找不到填报状态（页面布局可能已改变）", fetched)
    filed_words = {normalise_text(w) for w in settings.get("filed_words", ["已填报"])}
    return Filing(month, normalise_text(status) in filed_words, status, fetched)
