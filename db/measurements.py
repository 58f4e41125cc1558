"""Recording figures: a new value for a month becomes a new revision; the same value is a no-op.

Collected figures (sources and the file inbox alike) and hand-entered ones all come through
:func:`record_measurements`, the one writer of ``measurement`` rows. A different value for a month
already recorded becomes revision n+1; the earlier revisions stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import CollectionAttempt, Evidence, Indicator, Measurement, Project, ReportFiling
from db.types import utcnow
from domain.enums import Origin


class NewValue(NamedTuple):  # a tuple, not a frozen dataclass: a province builds 26,000 of them
    indicator_id: int
    month: str
    value: float
    unit: str
    origin: Origin
    cumulative: bool = False
    evidence_id: int | None = None
    source_code: str | None = None
    town: str | None = None
    note: str | None = None
    locator: str | None = None


def latest_measurement(
    session: Session, *, indicator_id: int, month: str, town: str | None = None
) -> Measurement | None:
    query = (
        select(Measurement)
        .where(Measurement.indicator_id == indicator_id, Measurement.month == month, Measurement.town == town)
        .order_by(col(Measurement.revision).desc())
    )
    return session.exec(query).first()


def record_measurements(session: Session, values: Sequence[NewValue]) -> list[int]:
    """Store each value unless the latest revision already says the same; return new revisions.

    One query reads the latest revisions of every indicator and month involved and one
    executemany inserts the new rows, so a page of figures costs two round trips, not two per
    figure (the collect job stores whole provinces this way).
    """
    if not values:
        return []
    ids = {v.indicator_id for v in values}
    months = {v.month for v in values}
    latest: dict[tuple[int | None, str, str | None], tuple[int, float, bool]] = {}
    table = Measurement.__table__  # type: ignore[attr-defined]
    query = (
        sa_select(
            table.c.indicator_id,
            table.c.month,
            table.c.town,
            table.c.revision,
            table.c.value,
            table.c.cumulative,
        )
        .where(table.c.indicator_id.in_(ids), table.c.month.in_(months))
        .order_by(table.c.revision)
    )
    for indicator_id, month, town, revision, value, cumulative in session.execute(query):
        latest[(indicator_id, month, town)] = (revision, value, cumulative)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for v in values:
        key = (v.indicator_id, v.month, v.town)
        previous = latest.get(key)
        if previous is not None and previous[1] == v.value and previous[2] == v.cumulative:
            continue
        revision = previous[0] + 1 if previous else 1
        latest[key] = (revision, v.value, v.cumulative)
        rows.append(
            {
                "indicator_id": v.indicator_id,
                "month": v.month,
                "town": v.town,
                "value": v.value,
                "unit": v.unit,
                "cumulative": v.cumulative,
                "origin": v.origin,
                "source_code": v.source_code,
                "revision": revision,
                "recorded_at": now,
                "evidence_id": v.evidence_id,
                "locator": v.locator,
                "note": v.note,
            }
        )
    if rows:
        session.execute(insert(table), rows)
    return [int(row["revision"]) for row in rows]  # type: ignore[call-overload]


def record_measurement(
    session: Session,
    *,
    indicator: Indicator,
    month: str,
    value: float,
    unit: str,
    origin: Origin,
    cumulative: bool = False,
    evidence: Evidence | None = None,
    source_code: str | None = None,
    town: str | None = None,
    note: str | None = None,
    locator: str | None = None,
) -> Measurement | None:
    """Store one value through :func:`record_measurements`; returns the new row, or None if the
    latest revision already says the same."""
    assert indicator.id is not None
    value_ = NewValue(
        indicator.id,
        month,
        value,
        unit,
        origin,
        cumulative=cumulative,
        evidence_id=evidence.id if evidence else None,
        source_code=source_code,
        town=town,
        note=note,
        locator=locator,
    )
    if not record_measurements(session, [value_]):
        return None
    return latest_measurement(session, indicator_id=indicator.id, month=month, town=town)


def latest_figures(session: Session, *, project: str) -> list[tuple[str, Measurement]]:
    """(indicator code, row) of every county-level figure of ``project``, by month then revision."""
    query = (
        select(Indicator.code, Measurement)
        .join(Measurement, col(Measurement.indicator_id) == col(Indicator.id))
        .join(Project, col(Project.id) == col(Indicator.project_id))
        .where(Project.code == project, col(Measurement.town).is_(None))
        .order_by(col(Measurement.month), col(Measurement.revision))
    )
    return [(code, row) for code, row in session.exec(query).all()]


# --- what collection leaves besides figures ---------------------------------------------------


def record_attempts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert a batch's collection attempts in one statement (keys: the ``collectionattempt`` columns)."""
    if rows:
        session.execute(insert(CollectionAttempt.__table__), list(rows))  # type: ignore[attr-defined]


def last_attempt(session: Session, *, project_id: int | None) -> CollectionAttempt | None:
    """The project's latest collection attempt, if any."""
    query = (
        select(CollectionAttempt)
        .where(CollectionAttempt.project_id == project_id)
        .order_by(col(CollectionAttempt.id).desc())
    )
    return session.exec(query).first()


def record_filing(
    session: Session,
    *,
    project_id: int,
    source_code: str,
    month: str,
    filed: bool,
    now: datetime,
    evidence_id: int | None,
) -> None:
    """Whether the month's report was filed, as of ``now``; a check without a page keeps the last one."""
    row = session.exec(
        select(ReportFiling).where(
            ReportFiling.project_id == project_id,
            ReportFiling.source_code == source_code,
            ReportFiling.month == month,
        )
    ).first() or ReportFiling(project_id=project_id, source_code=source_code, month=month, filed=filed)
    row.filed, row.checked_at = filed, now
    row.evidence_id = evidence_id or row.evidence_id
    session.add(row)
