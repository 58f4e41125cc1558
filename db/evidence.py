"""Content-addressed evidence files: ``evidence/ab/abcdef….html``, written atomically, and the
trail from a stored figure back to them (``duban evidence``)."""

from __future__ import annotations

import ctypes
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from db.bundle_export import export_bundle
from db.models import CollectionAttempt, Evidence, Indicator, Measurement, Project, ReportFiling
from db.types import code_point_order
from domain.amounts import exact_amount as amount
from domain.bundle import BUNDLE_TYPE
from domain.errors import ConfigurationError

SUFFIXES = {
    "text/html": ".html",
    "application/json": ".json",
    "text/csv": ".csv",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    BUNDLE_TYPE: ".zip",
}


def _suffix(content_type: str | None, origin: str) -> str:
    if content_type:
        base = content_type.split(";")[0].strip().lower()
        if base in SUFFIXES:
            return SUFFIXES[base]
    suffix = Path(origin.split("?")[0]).suffix.lower()
    return suffix if suffix.isascii() and 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"


def private_folder(path: Path) -> Path:
    """Create ``path`` and any missing parent readable by the service's user only (0700).

    ``Path.mkdir(mode=…, parents=True)`` gives the parents the default mode; evidence holds
    pages fetched with the county's logins, so no folder of it is left readable by every local
    user. Folders that already exist keep their mode: the operator may have chosen it.
    """
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


def write_atomically(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename: never a half-written file.

    The file is readable by the service's user only (0600, as ``mkstemp`` creates it) and so is
    any folder made for it. ``sync=False`` skips the fsync; the caller then flushes with
    :class:`DiskSync` before anything refers to the file.
    """
    private_folder(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_evidence_file(
    root: Path, data: bytes, *, origin: str, content_type: str | None, sync: bool = True
) -> tuple[str, Path]:
    """Write ``data`` under its sha256 (once); return the digest and the path relative to ``root``.

    Safe from any thread and before the database row exists: the name is the content, so a file
    written for a row that never commits is harmless and is reused by the next identical page.
    A file of the wrong size under that name (one not yet synced when the power failed) is
    written again.
    """
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / f"{digest}{_suffix(content_type, origin)}"
    target = root / relative
    try:
        kept = target.stat().st_size == len(data)
    except FileNotFoundError:
        kept = False
    if not kept:
        write_atomically(target, data, sync=sync)
    return digest, relative


class DiskSync:
    """One flush of a whole filesystem instead of an fsync per evidence file.

    A province is ~1,000 pages; an fsync each costs a journal commit each, and those took a
    tenth of the collection's time (bench/collect.py). The collect job writes a batch's files
    unsynced and calls :meth:`flush` once before the rows that refer to them commit. Linux's
    ``syncfs`` flushes only the filesystem of ``folder`` and reports write-back errors since this
    object was opened; elsewhere ``os.sync`` flushes everything.
    """

    def __init__(self, folder: Path) -> None:
        private_folder(folder)
        self._fd = os.open(folder, os.O_RDONLY)
        self._syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)

    def flush(self) -> None:
        if self._syncfs is None:
            os.sync()
        elif self._syncfs(self._fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> DiskSync:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


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
    digest, relative = write_evidence_file(root, data, origin=origin, content_type=content_type)
    row_id = evidence_row_id(
        session,
        digest=digest,
        path=relative.as_posix(),
        origin=origin,
        size=len(data),
        content_type=content_type,
        http_status=http_status,
        fetched_at=fetched_at,
    )
    row = session.get(Evidence, row_id)
    assert row is not None
    return row


def evidence_row_id(session: Session, *, digest: str, **columns: Any) -> int:
    """The id of the evidence row for a file already written under ``digest``, inserted if new."""
    table = Evidence.__table__  # type: ignore[attr-defined]
    found = session.execute(sa_select(table.c.id).where(table.c.sha256 == digest)).scalar()
    if found is not None:
        return int(found)
    inserted = session.execute(insert(table).values(sha256=digest, **columns).returning(table.c.id))
    return int(inserted.scalar_one())


def evidence_row_ids(session: Session, *, rows: list[dict[str, Any]]) -> dict[str, int]:
    """sha256 → evidence row id for files already written: the kept ones found in one query, the
    new ones inserted in one statement and read back in another (``rows`` has one per sha256).

    Instances collecting side by side may store the same page at once; the insert skips a row
    another one has just added (``ON CONFLICT DO NOTHING``, after waiting for its commit)."""
    table = Evidence.__table__  # type: ignore[attr-defined]
    query = sa_select(table.c.sha256, table.c.id).where(table.c.sha256.in_([r["sha256"] for r in rows]))
    ids: dict[str, int] = {sha: id_ for sha, id_ in session.execute(query)} if rows else {}
    new = [r for r in rows if r["sha256"] not in ids]
    if new:
        session.execute(_insert_new(session, table), new)
        ids.update({sha: id_ for sha, id_ in session.execute(query)})
    return ids


def _insert_new(session: Session, table: Any) -> Any:
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = postgresql_insert(table) if postgres else sqlite_insert(table)
    return statement.on_conflict_do_nothing(index_elements=["sha256"])


def evidence_by_id(session: Session, *, evidence_id: int) -> Evidence | None:
    return session.get(Evidence, evidence_id)


def evidence_file(root: Path, row: Evidence) -> Path:
    """The stored file of ``row``; a path that leads out of ``root`` (an edited row) is refused."""
    path = (root / row.path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ConfigurationError(f"证据记录 {row.id} 的文件路径不在证据目录中，已拒绝读取")
    return path


def intact(root: Path, row: Evidence) -> bool:
    """True when the stored file is there, inside ``root``, and still hashes to its recorded sha256."""
    try:
        path = evidence_file(root, row)
    except ConfigurationError:
        return False
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256


@dataclass(frozen=True)
class Revision:
    measurement: Measurement
    evidence: Evidence | None


@dataclass(frozen=True)
class Trail:
    """Where one indicator's figure for one month came from: every revision and its evidence."""

    project: Project
    indicator: Indicator
    month: str
    revisions: list[Revision]
    attempts: list[tuple[CollectionAttempt, Evidence | None]]  # the source's latest tries
    filing: tuple[ReportFiling, Evidence | None] | None


def evidence_trail(session: Session, *, indicator: str, month: str, project: str | None = None) -> Trail:
    """Every revision of ``indicator`` for ``month`` with its evidence, oldest first."""
    query = select(Indicator, Project).join(Project).where(Indicator.code == indicator)
    if project:
        query = query.where(Project.code == project)
    found = session.exec(query).all()
    if not found:
        where = f"项目 {project} " if project else ""
        raise ConfigurationError(f"{where}没有指标 {indicator}")
    if len(found) > 1:
        codes = "、".join(sorted(p.code for _, p in found))
        raise ConfigurationError(f"指标 {indicator} 在多个项目中都有（{codes}），请用 --project 指定")
    row, owner = found[0]
    measurements = session.exec(
        select(Measurement)
        .where(Measurement.indicator_id == row.id, Measurement.month == month)
        .order_by(code_point_order(col(Measurement.town)).nulls_first(), col(Measurement.revision))
    ).all()
    revisions = [
        Revision(m, session.get(Evidence, m.evidence_id) if m.evidence_id else None) for m in measurements
    ]
    attempts: list[tuple[CollectionAttempt, Evidence | None]] = []
    filing = None
    if row.source_code:
        tries = session.exec(
            select(CollectionAttempt)
            .where(CollectionAttempt.project_id == owner.id, CollectionAttempt.source_code == row.source_code)
            .order_by(col(CollectionAttempt.id).desc())
            .limit(5)
        ).all()
        attempts = [(a, session.get(Evidence, a.evidence_id) if a.evidence_id else None) for a in tries]
        filed = session.exec(
            select(ReportFiling).where(
                ReportFiling.project_id == owner.id,
                ReportFiling.source_code == row.source_code,
                ReportFiling.month == month,
            )
        ).first()
        if filed is not None:
            filing = (filed, session.get(Evidence, filed.evidence_id) if filed.evidence_id else None)
    return Trail(owner, row, month, revisions, attempts, filing)


def export_file(target: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``target/name``, never through a link and never outside ``target``.

    The file is written beside its name and renamed over it, which replaces a directory entry and
    never follows one; an entry that is already there but is not a regular file (a symbolic link
    someone left, a FIFO) is refused rather than replaced, so the user learns about it.
    """
    if Path(name).name != name or name in ("", ".", ".."):
        raise ConfigurationError(f"导出文件名 {name!r} 不合法，已拒绝")
    path = target / name
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise ConfigurationError(
            f"导出目录中已有 {name}，但它是符号链接或特殊文件，已拒绝覆盖；请导出到一个新的空文件夹"
        )
    write_atomically(path, data)
    return path


def export_trail(trail: Trail, root: Path, target: Path) -> list[Path]:
    """Copy the evidence of every revision into ``target`` with a 说明.txt an evaluator can read.

    A stored file that no longer matches its sha256 is not exported as if it were sound: the
    note says so. Nothing is written through a link or outside ``target`` (:func:`export_file`).
    """
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines = [
        f"{trail.project.name}（{trail.project.code}）",
        f"指标 {trail.indicator.code} {trail.indicator.name}，{trail.month}",
        "",
    ]
    for revision in trail.revisions:
        m, ev = revision.measurement, revision.evidence
        kind = {"collected": "自动采集", "manual": "手工录入", "imported": "导入"}.get(
            m.origin.value, m.origin.value
        )
        span = "本年累计" if m.cumulative else "当月"
        head = f"第 {m.revision} 版：{amount(m.value)} {m.unit}（{span}，{kind}"
        lines.append(head + f"，记录于 {m.recorded_at:%Y-%m-%d %H:%M} UTC）")
        if m.locator:
            lines.append(f"  位置：{m.locator}")
        if ev is None:
            lines.append("  没有佐证文件")
            continue
        name = f"{trail.indicator.code}-{trail.month}-v{m.revision}-{ev.sha256[:12]}{Path(ev.path).suffix}"
        sound = intact(root, ev)
        data = evidence_file(root, ev).read_bytes() if sound else b""
        if sound:
            written.append(export_file(target, name, data))
        status = f"，HTTP {ev.http_status}" if ev.http_status is not None else ""
        lines += [
            f"  来源：{ev.origin}（获取于 {ev.fetched_at:%Y-%m-%d %H:%M:%S} UTC{status}）",
            f"  文件：{name if sound else '（存档文件缺失或已被改动，未导出）'}",
            f"  SHA-256：{ev.sha256}",
        ]
        if sound and ev.content_type == BUNDLE_TYPE:  # a sum over several pages: lay them out
            pages, said = export_bundle(
                data, Path(name).stem, trail.indicator.code, m, partial(export_file, target)
            )
            written += pages
            lines += said
    note = export_file(target, "说明.txt", ("\n".join(lines) + "\n").encode("utf-8"))
    return [*written, note]
