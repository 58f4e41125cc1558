"""Files people hand in through a page (a reply link's evidence, a figure entered by hand): what
kind they are, judged by their bytes (:mod:`domain.filetypes`), and how large they may be."""

from __future__ import annotations

from dataclasses import dataclass

from collectors.limits import DEFAULT_MAX_BYTES, TooLargeError, check_size
from domain.errors import DubanError
from domain.filetypes import ACCEPTED, FileKind, sniff


class UploadError(DubanError):
    """A file refused: too large, or not a kind accepted as evidence; the message names the file."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def check_upload(upload: Upload, max_bytes: int = DEFAULT_MAX_BYTES) -> FileKind:
    """What the file is; refused when too large or not an accepted kind."""
    try:
        check_size(len(upload.data), max_bytes)
    except TooLargeError as exc:
        raise UploadError(f"文件“{upload.name}”：{exc}") from None
    kind = sniff(upload.data)
    if kind is None:
        raise UploadError(f"文件“{upload.name}”不是{ACCEPTED}，已拒绝（按文件内容判断，与文件名无关）")
    return kind


def upload_origin(name: str, suffix: str) -> str:
    """The file's name as the person's device gave it, kept short, with the suffix its bytes earn."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0][:60] or "上传文件"
    return f"上传：{stem}{suffix}"
