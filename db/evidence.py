"""Content-addressed evidence files: ``evidence/ab/abcdef….bin``, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from db.models import Evidence

SUFFIXES = {
    "text/html": ".html",
    "application/json": ".json",
    "text/csv": ".csv",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


def _suffix(content_type: str | None, origin: str) -> str:
    if content_type:
        base = content_type.split(";")[0].strip().lower()
        if base in SUFFIXES:
            return SUFFIXES[base]
    suffix = Path(origin.split("?")[0]).suffix.lower()
    return suffix if suffix.isascii() and 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_evidence(
    session: Session,
    root: Path,
    data: bytes,
    *,
    origin: str,
    fetched_at: datetime,
    content_type: str | None = None,
    http_status: int | None = None,
) -> Evidence:
    """Keep ``data`` once by its sha256 and return its row (an existing one if already kept)."""
    digest = hashlib.sha256(data).hexdigest()
    existing = session.exec(select(Evidence).where(Evidence.sha256 == digest)).first()
    if existing is not None:
        return existing
    relative = Path(digest[:2]) / f"{digest}{_suffix(content_type, origin)}"
    target = root / relative
    if not target.exists():
        write_atomically(target, data)
    row = Evidence(
        sha256=digest,
        path=relative.as_posix(),
        origin=origin,
        size=len(data),
        content_type=content_type,
        http_status=http_status,
        fetched_at=fetched_at,
    )
    session.add(row)
    session.flush()
    return row
