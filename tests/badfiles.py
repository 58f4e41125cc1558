"""Builders for the nasty files the bad-input tests feed in: ledgers, patched workbooks, sparse giants."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

HEADER = ["序号", "反馈问题", "整改措施", "责任单位", "责任人", "整改时限", "整改结果", "销号情况"]
TITLE = "偏关县电子商务进农村综合示范县整改台账（2023年）"


def ledger_rows(n: int = 3) -> list[list[Any]]:
    return [
        [i, f"问题{i}", f"措施{i}", "县商务局", "高权", "10月底", None, "未销号"] for i in range(1, n + 1)
    ]


def ledger(
    path: Path,
    rows: list[list[Any]] | None = None,
    *,
    title: str | None = TITLE,
    shape: Callable[[Worksheet], None] | None = None,
) -> Path:
    """A ledger like the offices keep: a title row, the header, one row per item."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "整改台账"
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in ledger_rows() if rows is None else rows:
        sheet.append(row)
    if shape:
        shape(sheet)
    book.save(path)
    return path


def patch_zip(path: Path, replacements: dict[bytes, bytes], *, extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite parts of an .xlsx the way Excel would have written them (openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            for old, new in replacements.items():
                data = data.replace(old, new)
            target.writestr(info, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that costs no disk and no time (a hole)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


SHEET = "xl/worksheets/sheet1.xml"
FAR_CORNER = "XFD1048576"  # the last cell Excel allows: 1,048,576 rows × 16,384 columns


def rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite the first worksheet's XML of an .xlsx (dimension, far cells, merges openpyxl would
    have to materialise to write)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == SHEET else data)
    path.write_bytes(out.getvalue())
    return path


def far_cell(path: Path) -> Path:
    """An export that declares the whole 1,048,576 × 16,384 grid and writes one cell at its corner."""

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{FAR_CORNER}"/>'.encode(), xml)
        far = f'<row r="1048576"><c r="{FAR_CORNER}" t="n"><v>1</v></c></row>'.encode()
        return xml.replace(b"</sheetData>", far + b"</sheetData>")

    return rewrite_sheet(path, change)


def merged_to_the_corner(path: Path) -> Path:
    """A workbook with one merged range from A1 to the last cell Excel allows."""
    merge = f'<mergeCells count="1"><mergeCell ref="A1:{FAR_CORNER}"/></mergeCells>'.encode()
    return rewrite_sheet(path, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + merge))


def many_rows(path: Path, rows: int) -> Path:
    """The first worksheet with ``rows`` numbered rows appended, streamed into the zip (a million
    rows compress to about a megabyte and take a second or two to write)."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info))
                continue
            head, _, tail = source.read(info).partition(b"</sheetData>")
            first = max(int(r) for r in re.findall(rb'<row r="(\d+)"', head)) + 1
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(re.sub(rb'<dimension ref="[^"]*"/>', b"", head))
                for start in range(first, first + rows, 10_000):
                    sheet.write(
                        b"".join(
                            b'<row r="%d"><c r="A%d" t="n"><v>%d</v></c><c r="B%d" t="inlineStr">'
                            b"<is><t>x</t></is></c></row>" % (n, n, n, n)
                            for n in range(start, min(start + 10_000, first + rows))
                        )
                    )
                sheet.write(b"</sheetData>" + tail)
    path.write_bytes(out.getvalue())
    return path


def sheet_stored_as(path: Path, name: str) -> Path:
    """The first worksheet moved to another part name (``xl/worksheets/data.bin``), as the
    workbook's relationships allow; readers follow them, so limits must too."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info).replace(
                SHEET.removeprefix("xl/").encode(), name.removeprefix("xl/").encode()
            )
            target.writestr(name if info.filename == SHEET else info.filename, data)
    path.write_bytes(out.getvalue())
    return path
