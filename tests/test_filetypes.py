"""Uploaded evidence is judged by its first bytes: what is accepted, and what a name cannot fake."""

from __future__ import annotations

import io
import zipfile

import pytest

from domain.filetypes import JPEG, OFFICE_PARTS, OLD_OFFICE, PDF, PNG, FileKind, sniff
from tests.replykit import png


def office(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (png(), PNG),
        (b"%PDF-1.7\n", PDF),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8, OLD_OFFICE),
        (office("[Content_Types].xml", "word/document.xml"), OFFICE_PARTS["word/"]),
        (office("[Content_Types].xml", "xl/workbook.xml"), OFFICE_PARTS["xl/"]),
        (office("[Content_Types].xml", "ppt/presentation.xml"), OFFICE_PARTS["ppt/"]),
        (office("word/document.xml"), None),  # a zip without the content-type list is no document
        (office("[Content_Types].xml", "evil.exe"), None),
        (b"PK\x03\x04 broken", None),
        (b"MZ\x90\x00", None),  # a Windows program, whatever it is called
        (b"<html><script>", None),
        (b"", None),
    ],
)
def test_sniff(data: bytes, kind: FileKind | None) -> None:
    assert sniff(data) == kind
