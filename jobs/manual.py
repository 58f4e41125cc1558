"""What people enter by hand: a figure (with its evidence) and a 销号 (closing an item)."""

from __future__ import annotations

import os
import re
import stat
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from collectors.limits import DEFAULT_MAX_BYTES, TooLargeError, check_size
from collectors.numbers import UnitError, convert
from db.engine import session_scope
from db.evidence import store_evidence
from db.measurements import record_measurement
from db.models import Evidence, Measurement, RectificationItem
from db.plan import close_item as close_item_row
from db.plan import indicator_by_code, item_by_number, project_by_code
from domain.enums import ItemStatus, Origin
from domain.errors import ConfigurationError
from domain.workdays import OFFICE_TZ
from jobs.context import Context
from jobs.uploads import Upload, check_upload, upload_origin

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _project_id(session: Session, code: str) -> int:
    project = project_by_code(session, code=code)
    if project is None or project.id is None:
        raise ConfigurationError(f"项目 {code} 不存在（先用 duban import 导入方案文件）")
    return project.id


def read_evidence_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused unread.

    Opened without blocking and checked on the open file, so a FIFO or a device can neither hang
    the command nor feed it without end, and a file swapped after a check is still the one checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ConfigurationError(f"佐证文件 {path} 无法读取：{exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigurationError(f"佐证文件 {path} 不是普通文件（可能是管道、设备或目录），已拒绝")
    with os.fdopen(fd, "rb") as handle:
        try:
            check_size(info.st_size, max_bytes)
            data = handle.read(max_bytes + 1)
            check_size(len(data), max_bytes)  # a file that grew after the check
        except TooLargeError as exc:
            raise ConfigurationError(f"佐证文件 {path}：{exc}") from None
    return data


def _evidence(
    app: Context, session: Session, proof: Path | Upload | None, now: datetime, max_bytes: int
) -> Evidence | None:
    """Keep the evidence: a file named on the command line, or one uploaded through the page
    (whose kind is judged from its bytes, as a reply link's upload is)."""
    if proof is None:
        return None
    if isinstance(proof, Upload):
        kind = check_upload(proof, max_bytes)
        origin = upload_origin(proof.name, kind.suffix)
        return store_evidence(
            session,
            app.evidence_dir,
            proof.data,
            origin=origin,
            content_type=kind.content_type,
            fetched_at=now,
        )
    data = read_evidence_file(proof, max_bytes)
    return store_evidence(session, app.evidence_dir, data, origin=proof.name, fetched_at=now)


def record_figure(
    app: Context,
    *,
    project: str,
    indicator: str,
    month: str,
    value: float,
    unit: str | None,
    cumulative: bool,
    evidence: Path | Upload | None,
    note: str | None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    as_of: date | None = None,
) -> Measurement | None:
    """Store a hand-entered figure (手工录入) through the same path as a collected one.

    ``evidence`` must be a regular file of at most ``max_bytes`` (``DUBAN_MAX_FILE_MB``), or an
    upload of that size and an accepted kind; a refused file leaves nothing written. With
    ``as_of``, a month after it is refused: a figure is for a month that has begun.
    """
    if not MONTH.match(month):
        raise ConfigurationError(f"月份“{month}”应写成 YYYY-MM，例如 2023-09")
    if as_of is not None and month > f"{as_of:%Y-%m}":
        raise ConfigurationError(f"月份 {month} 还没有到（按 {as_of:%Y-%m-%d} 计算），请检查月份")
    with session_scope(app.engine) as session:
        project_id = _project_id(session, project)
        row = indicator_by_code(session, project_id=project_id, code=indicator)
        if row is None:
            raise ConfigurationError(f"项目 {project} 没有指标 {indicator}")
        target_unit = row.unit or unit or ""
        try:
            converted = convert(value, unit or target_unit, target_unit)
        except UnitError as exc:
            raise ConfigurationError(str(exc)) from None
        return record_measurement(
            session,
            indicator=row,
            month=month,
            value=converted,
            unit=target_unit,
            origin=Origin.MANUAL,
            cumulative=cumulative,
            evidence=_evidence(app, session, evidence, now, max_bytes),
            note=note,
        )


def close_item(
    app: Context,
    *,
    project: str,
    batch: str,
    number: str,
    result: str,
    evidence: Path | None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RectificationItem:
    """Close an item with its result; ``evidence`` as for :func:`record_figure`."""
    with session_scope(app.engine) as session:
        project_id = _project_id(session, project)
        item = item_by_number(session, project_id=project_id, batch=batch, number=number)
        if item is None or item.id is None:
            where = f"批次“{batch}”的" if batch else ""
            raise ConfigurationError(f"项目 {project} 没有{where}整改事项 {number}")
        refuse_closed(item)
        proof = _evidence(app, session, evidence, now, max_bytes)
        close_item_row(session, item=item, result=result, evidence_id=proof.id if proof else None, now=now)
        return item


def refuse_closed(item: RectificationItem) -> None:
    """An item is closed (销号) once: a second closing is refused, saying when the first was."""
    if item.status is ItemStatus.CLOSED:
        when = item.closed_at.astimezone(OFFICE_TZ) if item.closed_at else None
        raise ConfigurationError(f"整改事项 {item.number} 已于 {when:%Y-%m-%d} 销号")
