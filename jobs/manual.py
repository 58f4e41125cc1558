"""What people enter by hand: a figure (with its evidence) and a 销号 (closing an item)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from collectors.numbers import UnitError, convert
from db.engine import session_scope
from db.evidence import store_evidence
from db.measurements import record_measurement
from db.models import Evidence, Measurement, RectificationItem
from db.plan import close_item as close_item_row
from db.plan import indicator_by_code, item_by_number, project_by_code
from domain.enums import ItemStatus, Origin
from domain.errors import ConfigurationError
from jobs.context import Context

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _project_id(session: Session, code: str) -> int:
    project = project_by_code(session, code=code)
    if project is None or project.id is None:
        raise ConfigurationError(f"项目 {code} 不存在（先用 duban import 导入方案文件）")
    return project.id


def _evidence(app: Context, session: Session, path: Path | None, now: datetime) -> Evidence | None:
    if path is None:
        return None
    return store_evidence(session, app.evidence_dir, path.read_bytes(), origin=path.name, fetched_at=now)


def record_figure(
    app: Context,
    *,
    project: str,
    indicator: str,
    month: str,
    value: float,
    unit: str | None,
    cumulative: bool,
    evidence: Path | None,
    note: str | None,
    now: datetime,
) -> Measurement | None:
    """Store a hand-entered figure through the same path as a collected one."""
    if not MONTH.match(month):
        raise ConfigurationError(f"月份“{month}”应写成 YYYY-MM，例如 2023-09")
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
            evidence=_evidence(app, session, evidence, now),
            note=note,
        )


def close_item(
    app: Context, *, project: str, batch: str, number: str, result: str, evidence: Path | None, now: datetime
) -> RectificationItem:
    with session_scope(app.engine) as session:
        project_id = _project_id(session, project)
        item = item_by_number(session, project_id=project_id, batch=batch, number=number)
        if item is None or item.id is None:
            where = f"批次“{batch}”的" if batch else ""
            raise ConfigurationError(f"项目 {project} 没有{where}整改事项 {number}")
        if item.status is ItemStatus.CLOSED:
            raise ConfigurationError(f"整改事项 {number} 已于 {item.closed_at:%Y-%m-%d} 销号")
        proof = _evidence(app, session, evidence, now)
        close_item_row(session, item=item, result=result, evidence_id=proof.id if proof else None, now=now)
        return item
