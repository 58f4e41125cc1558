"""Size limits for files that come from outside (plan files, ledgers, inbox exports). Pure checks.

A file is refused by its size before any parser sees it, so a 50 MB upload or a runaway export
costs a ``stat``, not the memory of a spreadsheet library. An ``.xlsx`` is a zip archive: a small
file can unpack into gigabytes (a zip bomb), so its declared unpacked size is checked too, from
the archive's directory, before openpyxl reads it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # a county's largest real export is well under 5 MB
UNPACK_RATIO = 10  # an .xlsx may unpack to this many times the file limit (XML is verbose)


class TooLargeError(ValueError):
    """A file over the limit; the message says both sizes and which setting raises the limit."""

    def __init__(
        self, size: int, limit: int, *, what: str = "文件", setting: str = "DUBAN_MAX_FILE_MB"
    ) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"{what}太大（{megabytes(size)}），超过上限 {megabytes(limit)}；"
            f"确需导入请调高 {setting}，或把文件拆小"
        )


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise TooLargeError(size, limit)


def check_path(path: Path, limit: int) -> None:
    """Refuse ``path`` when it is larger than ``limit`` bytes (before it is read)."""
    check_size(path.stat().st_size, limit)


def check_unpacked(source: Path | bytes, limit: int) -> None:
    """Refuse an ``.xlsx`` whose parts would unpack to more than ``UNPACK_RATIO × limit`` bytes.

    A file that is not a zip archive at all passes: the spreadsheet reader reports that better.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if unpacked > limit * UNPACK_RATIO:
        raise TooLargeError(unpacked, limit * UNPACK_RATIO, what="解压后的表格内容")
