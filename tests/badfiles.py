"""Builders for the nasty files the bad-input tests feed in: ledgers, patched workbooks, sparse giants."""

from __future__ import annotations

import io
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
