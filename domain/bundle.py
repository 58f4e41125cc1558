"""The evidence of a figure summed over several pages: one file holding every page, as received.

A paginated total (151 orders on two pages) is only as good as all of its pages. Its evidence is
one zip archive — one evidence file, one sha256, written atomically like any page — holding:

* ``page-001.json`` … — each page's bytes exactly as received (the suffix follows its type);
* ``manifest.json`` — each page's origin, HTTP status, type and sha256, and for every figure summed
  from these pages, the value of each record that went into it (page number, where, value in the
  indicator's unit), so that the sum can be recomputed and checked against the pages.

The archive is deterministic (fixed timestamps, sorted keys): the same pages and figures give the
same bytes, so a rerun that fetched the same pages keeps one file, as single pages do. Pure: bytes
in, bytes out.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

BUNDLE_TYPE = "application/vnd.duban.pages+zip"
MANIFEST = "manifest.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SUFFIXES = {"application/json": ".json", "text/html": ".html", "text/csv": ".csv"}


@dataclass(frozen=True)
class BundledPage:
    name: str  # the member's name inside the archive: page-001.json
    origin: str
    status: int | None
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Part:
    """One record's value that went into a figure."""

    page: int  # 1-based, the page's position in the bundle
    where: str
    value: float


@dataclass(frozen=True)
class BundledFigure:
    indicator: str
    month: str
    unit: str
    value: float
    town: str | None
    parts: tuple[Part, ...]

    def recomputed(self) -> float:
        """The parts summed in the order they were collected, rounded as a stored figure is."""
        total = 0.0
        for part in self.parts:
            total += part.value
        return round(total, 6)


@dataclass(frozen=True)
class Bundle:
    pages: list[BundledPage]
    figures: list[BundledFigure]
    damaged: list[str]  # pages whose bytes no longer match the manifest's sha256


class BundleError(ValueError):
    """Bytes that are not a page bundle (a damaged or foreign file)."""


def page_name(number: int, content_type: str | None) -> str:
    base = (content_type or "").split(";")[0].strip().lower()
    return f"page-{number:03d}{_SUFFIXES.get(base, '.bin')}"


def pack(pages: list[BundledPage], figures: list[BundledFigure]) -> bytes:
    """The archive of ``pages`` (in order) and the manifest describing them and ``figures``."""
    manifest = {
        "pages": [
            {
                "file": p.name,
                "origin": p.origin,
                "status": p.status,
                "content_type": p.content_type,
                "size": len(p.body),
                "sha256": hashlib.sha256(p.body).hexdigest(),
            }
            for p in pages
        ],
        "figures": [
            {
                "indicator": f.indicator,
                "month": f.month,
                "unit": f.unit,
                "value": f.value,
                "town": f.town,
                "parts": [[part.page, part.where, part.value] for part in f.parts],
            }
            for f in figures
        ],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in [
            (MANIFEST, json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()),
            *((p.name, p.body) for p in pages),
        ]:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return out.getvalue()


def unpack(data: bytes) -> Bundle:
    """The pages and figures of a bundle; :class:`BundleError` when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
            pages, damaged = [], []
            for entry in manifest["pages"]:
                body = archive.read(str(entry["file"]))
                if hashlib.sha256(body).hexdigest() != entry["sha256"]:
                    damaged.append(str(entry["file"]))
                pages.append(
                    BundledPage(
                        str(entry["file"]), str(entry["origin"]), entry["status"], entry["content_type"], body
                    )
                )
            figures = [
                BundledFigure(
                    str(f["indicator"]),
                    str(f["month"]),
                    str(f["unit"]),
                    float(f["value"]),
                    f["town"],
                    tuple(Part(int(p), str(w), float(v)) for p, w, v in f["parts"]),
                )
                for f in manifest["figures"]
            ]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise BundleError(f"不是有效的分页证据包（{type(exc).__name__}）") from None
    return Bundle(pages, figures, damaged)
