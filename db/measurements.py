"""Recording figures: a new value for a month becomes a new revision; the same value is a no-op."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.enums import Origin
from db.models import Evidence, Indicator, Measurement


def latest_measurement(
    session: Session, *, indicator_id: int, month: str, town: str | None = None
) -> Measurement | None:
    query = (
        select(Measurement)
        .where(Measurement.indicator_id == indicator_id, Measurement.month == month, Measurement.town == town)
        .order_by(col(Measurement.revision).desc())
    )
    return session.exec(query).first()


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
    """Store ``value`` unless the latest revision already says the same; returns the new row.

    Collected and hand-entered figures both come through here. A different value for a month
    already recorded becomes revision n+1; the earlier revisions stay as they were.
    """
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
