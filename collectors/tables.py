"""Finding report tables in HTML pages. Pure functions from text to rows.

Headers are compared after :func:`~collectors.numbers.normalise_text` (full-width and half-width
forms fold together, spaces go), and a header may name its unit or not: ``网络零售额`` finds the
column ``网络零售额（万元）``, and the unit the page prints is the one its numbers are in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from collectors.numbers import normalise_text, unit_in_header

NEXT_WORDS = frozenset({"下一页", "下页", "后一页", "›", "»", ">", "next", "Next"})
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")
HEADER_SCAN_ROWS = 5  # a header row may sit under a title row or two


class TableNotFoundError(LookupError):
    """No table on the page has the wanted header: the layout has probably changed."""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]  # normalised
    rows: tuple[tuple[str, ...], ...]  # the data rows under the header row, blank rows dropped


def parse_html(text: str) -> HtmlElement:
    # lxml refuses str input that carries an XML encoding declaration; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml.html.document_fromstring(text)
    except ParserError:
        return lxml.html.document_fromstring("<html><body></body></html>")


def cell_text(cell: HtmlElement) -> str:
    return " ".join(part.strip() for part in cell.itertext() if part.strip())


def _rows(table: HtmlElement) -> list[list[str]]:
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    return [[cell_text(c) for c in row.xpath("./th|./td")] for row in rows]


def bare(header: str) -> str:
    """A header without its unit: ``网络零售额(万元)`` → ``网络零售额`` (normalised)."""
    return _UNIT_SUFFIX.sub("", normalise_text(header))


def column_index(headers: tuple[str, ...], wanted: str) -> int | None:
    """The column whose header is ``wanted``, with or without the unit in brackets."""
    key = normalise_text(wanted)
    if key in headers:
        return headers.index(key)
    bare_key = bare(key)
    matches = [i for i, h in enumerate(headers) if bare(h) == bare_key]
    return matches[0] if len(matches) == 1 else None


def column_unit(headers: tuple[str, ...], index: int, wanted: str) -> str | None:
    """The unit of a column as the page prints it, else as the plan's label names it."""
    return unit_in_header(headers[index]) or unit_in_header(wanted)


def find_table(doc: HtmlElement, *, header: str, selector: str | None = None) -> Table:
    """The first table (under ``selector`` when given) with a header row containing ``header``."""
    tables = doc.cssselect(selector) if selector else doc.iter("table")
    for table in tables:
        if table.tag != "table":
            inner = table.xpath(".//table")
            if not inner:
                continue
            table = inner[0]
        rows = _rows(table)
        for i, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            headers = tuple(normalise_text(c) for c in cells)
            if column_index(headers, header) is not None:
                body = tuple(tuple(r) for r in rows[i + 1 :] if any(c.strip() for c in r))
                return Table(headers, body)
    where = f"选择器 {selector} 下" if selector else "页面上"
    raise TableNotFoundError(f"{where}找不到表头含“{header}”的表格（页面布局可能已改变）")


def is_login_page(doc: HtmlElement, marker: str | None = None) -> bool:
    """A page asking for a password (or matching the configured marker) is a login page."""
    if marker:
        return bool(doc.cssselect(marker))
    return bool(doc.xpath("//input[translate(@type,'PASSWORD','password')='password']"))


def next_page(doc: HtmlElement, base_url: str, selector: str | None = None) -> str | None:
    """The URL of the next page of a paginated table, or None on the last page."""
    links = (
        doc.cssselect(selector)
        if selector
        else [a for a in doc.iter("a") if normalise_text(cell_text(a)) in NEXT_WORDS]
    )
    for link in links:
        href = str(link.get("href") or "").strip()
        classes = (link.get("class") or "").split()
        if not href or href == "#" or href.lower().startswith("javascript") or "disabled" in classes:
            continue
        return urljoin(base_url, href)
    return None


def text_matching(doc: HtmlElement, pattern: str, selector: str | None = None) -> str | None:
    """The first group of ``pattern`` in the text under ``selector`` (or the whole page)."""
    scopes = doc.cssselect(selector) if selector else [doc]
    for scope in scopes:
        match = re.search(pattern, normalise_text(cell_text(scope)))
        if match:
            return match.group(1) if match.groups() else match.group(0)
    return None
