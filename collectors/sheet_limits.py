"""Row, column, cell and merged-range limits of an ``.xlsx``, enforced while streaming its XML.

A spreadsheet library believes what a file says about itself. A 5 KB file can name one cell at
``XFD1048576``, declare that size as its dimension, or merge ``A1:XFD1048576``: openpyxl then pads
every row to 16,384 columns, or creates one object per merged cell, and grows to gigabytes before
any of our code sees a row. So every XML part is read here first with a streaming parser (lxml's
``iterparse``, no DTD, no entities, no network), element by element and cleared as it goes, and
the file is refused the moment a row, a column, the number of cells or the cells under merged
ranges passes its limit — a million-row sheet costs the first rows over the limit, not a million.

The declared ``<dimension>`` is not trusted at all: limits are checked against the cells really
written, and readers are told to ignore it (``reset_dimensions``).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # the "strict" flavour
)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass(frozen=True)
class SheetLimits:
    """What one kind of spreadsheet may hold; ``what`` names the kind in messages."""

    what: str
    rows: int  # per sheet
    columns: int  # per sheet
    cells: int  # cells written, whole workbook
    merged_cells: int  # cells covered by merged ranges, whole workbook


# A county's per-order export for a month is thousands of rows and a few dozen columns.
INBOX_LIMITS = SheetLimits("收件表格", rows=100_000, columns=256, cells=2_000_000, merged_cells=100_000)
# A ledger has tens or hundreds of items; merged 责任单位 cells cover a few hundred cells.
LEDGER_LIMITS = SheetLimits("台账", rows=5_000, columns=100, cells=200_000, merged_cells=50_000)


class SheetLimitError(ValueError):
    """A sheet over a limit; the message names the sheet, the cell or range, and the limit."""


def check_sheet_limits(source: Path | bytes, limits: SheetLimits) -> None:
    """Refuse ``source`` (an ``.xlsx``) when any sheet passes ``limits``; stream, never load.

    A file that is not a readable zip passes: the spreadsheet reader reports that better.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        titles = _sheet_titles(archive)
        totals = _Totals()
        for info in archive.infolist():  # XML parts, and sheets the workbook keeps under other names
            if not info.filename.lower().endswith(".xml") and info.filename not in titles:
                continue
            title = titles.get(info.filename, info.filename.rsplit("/", 1)[-1])
            try:
                with archive.open(info) as stream:
                    _scan(stream, title, limits, totals)
            except SheetLimitError:
                raise
            except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError, ValueError, RuntimeError):
                # A damaged, encrypted or oddly compressed part: openpyxl refuses the file itself.
                continue


@dataclass
class _Totals:
    cells: int = 0
    merged: int = 0


def _scan(stream: IO[bytes], title: str, limits: SheetLimits, totals: _Totals) -> None:
    row = column = 0
    where = f"工作表“{title}”"
    parser = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    for event, element in parser:
        if event == "end":  # only attributes are read, at the start: drop what was parsed
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            continue
        namespace, _, tag = str(element.tag).rpartition("}")
        if namespace.lstrip("{") not in MAIN_NAMESPACES:
            continue
        if tag == "row":
            row = _number(element.get("r")) or row + 1
            column = 0
            if row > limits.rows:
                raise SheetLimitError(
                    f"{where}第 {row} 行超过{limits.what}上限（{limits.rows} 行）；"
                    "请只保留需要的区域后另存再试"
                )
        elif tag == "c":
            found = _cell(element.get("r"))
            row, column = found if found else (row, column + 1)
            if column > limits.columns:
                raise SheetLimitError(
                    f"{where}单元格 {element.get('r') or f'第 {column} 列'} 超过{limits.what}上限"
                    f"（{limits.columns} 列）；请删去多余的列后另存再试"
                )
            if row > limits.rows:
                raise SheetLimitError(
                    f"{where}单元格 {element.get('r')} 超过{limits.what}上限（{limits.rows} 行）；"
                    "请只保留需要的区域后另存再试"
                )
            totals.cells += 1
            if totals.cells > limits.cells:
                raise SheetLimitError(
                    f"单元格总数超过{limits.what}上限（{limits.cells} 个）；请拆成几个文件或删去多余内容"
                )
        elif tag == "mergeCell":
            _merged(element.get("ref") or "", where, limits, totals)


def _merged(ref: str, where: str, limits: SheetLimits, totals: _Totals) -> None:
    corners = [_cell(part) for part in ref.split(":")]
    if not corners or any(c is None for c in corners) or len(corners) > 2:
        return  # openpyxl refuses a malformed range itself
    (top, left), (bottom, right) = corners[0], corners[-1]  # type: ignore[misc]
    if max(top, bottom) > limits.rows or max(left, right) > limits.columns:
        raise SheetLimitError(
            f"{where}的合并单元格 {ref} 超出{limits.what}上限（{limits.rows} 行、{limits.columns} 列）；"
            "请取消这个合并后另存再试"
        )
    totals.merged += (abs(bottom - top) + 1) * (abs(right - left) + 1)
    if totals.merged > limits.merged_cells:
        raise SheetLimitError(
            f"{where}的合并单元格（到 {ref} 为止）共覆盖超过 {limits.merged_cells} 个单元格，"
            f"超过{limits.what}上限；请取消大片的合并后另存再试"
        )


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 9 else None


def _cell(ref: str | None) -> tuple[int, int] | None:
    """``XFD1048576`` → (1048576, 16384); None for anything else."""
    match = _REF.match(ref or "")
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → the sheet's title as Excel shows it (best effort; a part's name otherwise)."""
    try:
        workbook = _small_xml(archive, "xl/workbook.xml")
        rels = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if str(r.tag).endswith("Relationship")}
    titles: dict[str, str] = {}
    for sheet in workbook.iter():
        if not str(sheet.tag).endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if str(k).endswith("}id")), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        titles[part] = sheet.get("name") or part
    return titles


def _small_xml(archive: zipfile.ZipFile, name: str) -> etree._Element:
    if archive.getinfo(name).file_size > 4 * 1024 * 1024:  # thousands of sheets would be smaller
        raise ValueError(name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(archive.read(name), parser)
