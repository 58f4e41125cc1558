"""``html_table``: a monthly report table on an HTML page, one row per month.

Settings (in the plan's ``sources`` entry):

* ``url`` — the page (``${ENV}`` references allowed);
* ``month_header`` — the header of the month column (default ``月份``);
* ``table_selector`` — a CSS selector for the table, when the page has several;
* ``cumulative`` — ``true`` when each row is year-to-date (累计) rather than the month alone;
* ``encoding`` — forces a page encoding; otherwise the page's own declaration decides.

Each indicator fed by the source names its column in ``source_field`` (``网络零售额（万元）``); the
unit in the header's brackets is converted into the indicator's unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import requests
from bs4 import BeautifulSoup, Tag

from bot.errors import LayoutError
from collectors.base import Collected, Collector, Fetched, Figure, SourceConfig
from collectors.http import fetch, make_session
from collectors.numbers import (
    NumberFormatError,
    UnitError,
    convert,
    normalise_text,
    parse_number,
    unit_in_header,
)

_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


@dataclass(frozen=True)
class Cell:
    month: str
    header: str
    text: str


def parse_month_table(
    html: bytes,
    *,
    source: str,
    month_header: str = "月份",
    selector: str | None = None,
    encoding: str | None = None,
) -> list[dict[str, str]]:
    """Rows of the month table as ``{header: cell text}``; a missing table or header raises."""
    soup = BeautifulSoup(html, "lxml", from_encoding=encoding)
    wanted = normalise_text(month_header)
    tables = soup.select(selector) if selector else soup.find_all("table")
    for table in tables:
        if not isinstance(table, Tag):
            continue
        rows = table.find_all("tr")
        if not rows:
            continue
        headers = [normalise_text(c.get_text()) for c in rows[0].find_all(["th", "td"])]
        if wanted in headers:
            body = [[c.get_text(strip=True) for c in r.find_all(["th", "td"])] for r in rows[1:]]
            if not body:
                raise LayoutError(source, "报表中没有数据行")
            return [dict(zip(headers, cells, strict=False)) for cells in body if any(cells)]
    where = f"选择器 {selector}" if selector else "页面"
    raise LayoutError(source, f"{where}中找不到表头为“{month_header}”的报表（页面布局可能已改变）")


def month_of(text: str, source: str) -> str:
    match = _MONTH.search(normalise_text(text))
    if not match:
        raise LayoutError(source, f"月份“{text}”无法识别")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def figures_from_rows(
    rows: list[dict[str, str]],
    config: SourceConfig,
    evidence: Fetched,
    *,
    month_header: str,
    cumulative: bool,
) -> list[Figure]:
    """Turn table rows into figures for every indicator the source feeds."""
    month_key = normalise_text(month_header)
    figures: list[Figure] = []
    headers = set(rows[0]) if rows else set()
    for spec in config.figures:
        column = normalise_text(spec.label)
        if column not in headers:
            raise LayoutError(config.code, f"报表中找不到列“{spec.label}”（页面布局可能已改变）")
        page_unit = unit_in_header(spec.label) or spec.unit
        for row in rows:
            text = row.get(column, "")
            try:
                value = parse_number(text)
                if value is None:
                    continue  # "—" means not reported: no figure, and never a zero
                value = convert(value, page_unit, spec.unit)
            except (NumberFormatError, UnitError) as exc:
                raise LayoutError(config.code, f"{row.get(month_key, '?')} 的“{spec.label}”：{exc}") from None
            figures.append(
                Figure(
                    spec.indicator,
                    month_of(row.get(month_key, ""), config.code),
                    value,
                    spec.unit,
                    cumulative,
                    evidence,
                )
            )
    return figures


class HtmlTableCollector(Collector):
    kind = "html_table"

    def __init__(self, *, timeout: float, session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self.session = session or make_session()

    def collect(self, source: SourceConfig, *, now: datetime) -> Collected:
        settings = source.settings
        fetched = fetch(self.session, source.code, str(settings["url"]), timeout=self.timeout, now=now)
        month_header = str(settings.get("month_header", "月份"))
        try:
            rows = parse_month_table(
                fetched.body,
                source=source.code,
                month_header=month_header,
                selector=settings.get("table_selector"),
                encoding=settings.get("encoding"),
            )
            figures = figures_from_rows(
                rows,
                source,
                fetched,
                month_header=month_header,
                cumulative=bool(settings.get("cumulative", False)),
            )
        except LayoutError as error:
            error.evidence = fetched
            raise
        return Collected(figures)
