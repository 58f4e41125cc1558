"""``duban evidence --export`` for a figure summed over several pages: every page laid out, each
record's value listed, and the sum recomputed from them beside the stored figure.

The bundle itself (:mod:`domain.bundle`) is exported too, as the file the recorded sha256 names;
the pages are copied out of it byte for byte, and a page whose bytes no longer match the
manifest is reported rather than counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from db.models import Measurement
from domain.amounts import exact_amount as amount
from domain.bundle import BundledFigure, BundleError, unpack

Write = Callable[[str, bytes], Path]


def export_bundle(
    data: bytes, stem: str, indicator: str, measurement: Measurement, write: Write
) -> tuple[list[Path], list[str]]:
    """Write the pages of the bundle ``data`` as ``<stem>-p1.json`` … and the records summed into
    ``indicator``'s ``measurement`` as ``<stem>-明细.csv``; return the files and the note's lines."""
    try:
        bundle = unpack(data)
    except BundleError as exc:
        return [], [f"  分页证据包无法读取：{exc}"]
    written: list[Path] = []
    lines = [f"  本数值由 {len(bundle.pages)} 页数据相加得出，各页原样导出："]
    for number, page in enumerate(bundle.pages, start=1):
        name = f"{stem}-p{number}{Path(page.name).suffix}"
        written.append(write(name, page.body))
        status = f"，HTTP {page.status}" if page.status is not None else ""
        damaged = "（与证据包清单的 SHA-256 不符！）" if page.name in bundle.damaged else ""
        lines.append(f"    第 {number} 页：{name}（{page.origin}{status}）{damaged}")
    figure = next(
        (
            f
            for f in bundle.figures
            if (f.indicator, f.month, f.town) == (indicator, measurement.month, measurement.town)
        ),
        None,
    )
    if figure is None:
        return written, [*lines, "  证据包中没有这个数值的逐条记录，无法重算"]
    written.append(write(f"{stem}-明细.csv", _records(figure, len(bundle.pages))))
    lines.append(f"  逐条明细：{stem}-明细.csv（页码、位置、计入的数值）")
    subtotals = []
    for number in range(1, len(bundle.pages) + 1):
        parts = [p for p in figure.parts if p.page == number]
        subtotals.append(
            f"第 {number} 页 {len(parts)} 条，小计 {amount(round(sum(p.value for p in parts), 6))}"
        )
    total = figure.recomputed()
    agrees = abs(total - measurement.value) <= 1e-6 * max(1.0, abs(total)) and not bundle.damaged
    verdict = "与记录的数值一致" if agrees else f"与记录的数值 {amount(measurement.value)} 不一致，请核查"
    summed = f"合计 {len(figure.parts)} 条 {amount(total)} {measurement.unit}"
    lines.append(f"  按页重算：{'；'.join(subtotals)}；{summed}，{verdict}")
    return written, lines


def _records(figure: BundledFigure, pages: int) -> bytes:
    out = io.StringIO()
    table = csv.writer(out)
    table.writerow(["页码", "位置", f"数值（{figure.unit}）"])
    for part in figure.parts:
        table.writerow([f"{part.page}/{pages}", part.where, repr(part.value)])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel open it as UTF-8
