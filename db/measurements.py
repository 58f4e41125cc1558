"""Recording figures: a new value for a month becomes a new revision; the same value is a no-op.

Collected and hand-entered figures both come through here. A different value for a month already
recorded becomes revision n+1; the earlier revisions stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import insert
from sqlmodel import Session, col, select

from db.models import Evidence, Indicator, Measurement
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
        select(
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
    """Store one value; returns the new row, or None if the latest revision says the same."""
    assert indicator.id is not None
    latest = latest_measurement(session, indicator_id=indicator.id, month=month, town=town)
    if latest is not None and latest.value == value and latest.cumulative == cumulative:
        return None
    row = Measurement(
        indicator_id=indicator.id,
        month=month,
        town=town,
        value=value,
        unit=unit,
        cumulative=cumulative,
        origin=origin,
        source_code=source_code,
        revision=(latest.revision + 1) if latest else 1,
        evidence_id=evidence.id if evidence else None,
        locator=locator,
        note=note,
    )
    session.add(row)
    session.flush()
    return row
