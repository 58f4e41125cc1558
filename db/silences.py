"""Silences: the ``silence`` table, its one writer, and the names a silence can match on.

Data-access functions in the house style: keyword-only, given the session, no commit. The rules
for what a silence matches live in :mod:`domain.silences`; :func:`rule_of` turns a row into one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from db.models import Alert, Indicator, Person, Project, RectificationItem, Silence
from domain.silences import Matchers, Rule, Target, Window


def add_silence(session: Session, *, silence: Silence) -> Silence:
    """Keep a new silence; flushed, so its id can be shown at once."""
    session.add(silence)
    session.flush()
    return silence


def expire(session: Session, *, silence: Silence, actor: str | None, now: datetime) -> None:
    """End a silence now (提前结束): from this moment it mutes nothing."""
    silence.expired_at, silence.expired_by = now, actor
    session.add(silence)


def silence_by_id(session: Session, silence_id: int) -> tuple[Silence, str] | None:
    """The silence with this number (``duban silence list`` shows it) and its project's code."""
    query = select(Silence, Project.code).join(Project).where(Silence.id == silence_id)
    row = session.exec(query).first()
    return (row[0], row[1]) if row is not None else None


def silences_of(
    session: Session, *, project_ids: Iterable[int], ending_after: datetime
) -> list[tuple[Silence, str]]:
    """The projects' silences due to end after ``ending_after`` (ended early or not), oldest first,
    each with its project's code: what an evaluation considers, or a page lists."""
    query = (
        select(Silence, Project.code)
        .join(Project)
        .where(col(Silence.project_id).in_(list(project_ids)), col(Silence.ends_at) > ending_after)
        .order_by(col(Silence.id))
    )
    return [(silence, code) for silence, code in session.exec(query).all()]


def rule_of(silence: Silence, project: str) -> Rule:
    """The silence as :mod:`domain.silences` judges it."""
    return Rule(
        Matchers(project, silence.unit, silence.person, silence.kind, silence.alert_key),
        Window(silence.starts_at, silence.ends_at, silence.expired_at),
    )


def target_of(alert: Alert, project: str) -> Target:
    """An alert as a silence is matched against it: its responsible units and persons are those
    its finding named when last seen."""
    payload = alert.payload or {}
    return Target(
        project, alert.key, alert.kind, _names(payload.get("units")), _names(payload.get("persons"))
    )


def names_in(session: Session, *, project: Project) -> tuple[list[str], list[str]]:
    """The units and the persons a silence of ``project`` can name, each sorted: the plan's people
    and their units, and those its items and indicators make responsible."""
    people = session.exec(select(Person).where(Person.project_id == project.id)).all()
    items = session.exec(select(RectificationItem).where(RectificationItem.project_id == project.id)).all()
    indicators = session.exec(select(Indicator).where(Indicator.project_id == project.id)).all()
    units = {p.unit for p in people if p.unit}
    units.update(unit for item in items for unit in item.units)
    units.update(i.responsible_unit for i in indicators if i.responsible_unit)
    persons = {p.name for p in people}
    persons.update(name for item in items for name in item.persons)
    persons.update(name for i in indicators for name in i.responsible_persons)
    return sorted(units), sorted(persons)


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
