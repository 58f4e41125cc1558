"""Which uploaded files are accepted as evidence, judged by their first bytes, never their name.

Photos (JPEG, PNG), PDF and office documents (Word, Excel, PowerPoint, both the zip-based 2007+
formats and the older compound files). Pure: bytes in, a kind or None out.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    name: str  # what a person is told, in Chinese
    suffix: str  # the suffix the evidence file is kept under
    content_type: str


JPEG = FileKind("照片（JPG）", ".jpg", "image/jpeg")
PNG = FileKind("图片（PNG）", ".png", "image/png")
PDF = FileKind("PDF 文件", ".pdf", "application/pdf")
OLD_OFFICE = FileKind("Office 文档（97–2003）", ".doc", "application/msword")
OFFICE_PARTS = {
    "word/": FileKind(
        "Word 文档", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xl/": FileKind(
        "Excel 表格", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "ppt/": FileKind(
        "PowerPoint 演示文稿",
        ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
ACCEPTED = "照片（JPG、PNG）、PDF、Word、Excel 或 PowerPoint 文件"


def sniff(data: bytes) -> FileKind | None:
    """The kind of an accepted file, or None for anything else (a renamed program, a web page …)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLD_OFFICE
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> FileKind | None:
    """A zip is an office document only with its content-type list and a main part of one kind."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, kind in OFFICE_PARTS.items():
        if any(name.startswith(folder) for name in names):
            return kind
    return None
