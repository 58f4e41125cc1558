"""Alerts and their history: the ``alert`` and ``alertevent`` tables.

Every change of an alert is kept by :func:`save_alert` and every event in its history is written by
:func:`record_event`, whoever makes it (the evaluation, ``duban ack``/``silence``, the web page).
People acting on an alert go through :func:`acknowledge`, :func:`unacknowledge` and
:func:`silence`, so an action from the terminal and one from the web page leave the same trail:
the new state, the reason, and an ``AlertEvent`` naming who did it. An acknowledged alert is still
followed; a silenced one is kept quiet by a row of the ``silence`` table (:mod:`db.silences`), not
by its own state, like every other silence.

Data-access functions in the house style: keyword-only, given the session, no commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, any_, bindparam, case, or_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, func, select

from db.figures import fetch_rows, in_chunks, ints
from db.models import Alert, AlertEvent, Project, Silence
from db.silences import add_silence
from db.types import aware_utc, code_point_order, stored_date
from domain.enums import AlertState, member
from domain.errors import DubanError
from domain.keys import natural_key
from domain.workdays import OFFICE_TZ


class AlertActionError(DubanError):
    """An action the alert cannot take: unknown, already resolved, no reason, a date in the past."""


# --- writing ------------------------------------------------------------------------------------


def save_alert(session: Session, *, alert: Alert, flush: bool = False) -> None:
    """Keep a new or changed alert; ``flush`` when its id is needed at once (for an event)."""
    if alert not in session:  # one already kept is flushed with its changes; adding again costs
        session.add(alert)
    if flush:
        session.flush()


def record_event(
    session: Session,
    *,
    alert: Alert,
    event: str,
    reason: str,
    now: datetime,
    as_of: date | None,
    actor: str | None = None,
) -> None:
    """Add one entry to the alert's history: what happened, why, the state it left, and who."""
    session.add(
        AlertEvent(
            alert_id=alert.id or 0,
            at=now,
            as_of=as_of,
            event=event,
            state=alert.state,
            stage=alert.stage,
            reason=reason,
            actor=actor,
        )
    )


def acknowledge(session: Session, *, alert: Alert, reason: str, actor: str | None, now: datetime) -> None:
    """Mark an alert as seen and being handled (已确认), and record who did it and why."""
    alert.state, alert.state_reason = AlertState.ACKNOWLEDGED, reason
    save_alert(session, alert=alert)
    record_event(session, alert=alert, event="acknowledged", reason=reason, now=now, as_of=None, actor=actor)


def unacknowledge(session: Session, *, alert: Alert, reason: str, actor: str | None, now: datetime) -> None:
    """Undo an acknowledgement (撤销确认): the alert is open again and reminded as scheduled."""
    if alert.state is not AlertState.ACKNOWLEDGED:
        raise AlertActionError(f"提醒“{alert.subject}”没有被确认，无需撤销")
    alert.state, alert.state_reason = AlertState.OPEN, reason
    save_alert(session, alert=alert)
    record_event(
        session, alert=alert, event="unacknowledged", reason=reason, now=now, as_of=None, actor=actor
    )


def silence(
    session: Session,
    *,
    alert: Alert,
    until: datetime,
    reason: str,
    actor: str | None,
    now: datetime,
    starts_at: datetime | None = None,
) -> Silence:
    """Silence one alert from ``starts_at`` (``now`` by default) until ``until``: a silence of its
    key, noted in the alert's history."""
    row = add_silence(
        session,
        silence=Silence(
            project_id=alert.project_id, alert_key=alert.key, starts_at=starts_at or now, ends_at=until,
            created_at=now, created_by=actor, reason=reason,
        ),
    )  # fmt: skip
    note_silenced(session, alerts=[alert], silence=row, now=now)
    return row


def note_silenced(session: Session, *, alerts: list[Alert], silence: Silence, now: datetime) -> None:
    """Write into each alert's history that ``silence`` now covers it."""
    until = f"{silence.ends_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}"
    for alert in alerts:
        record_event(
            session, alert=alert, event="silenced", reason=f"静默至 {until}（北京时间）：{silence.reason}",
            now=now, as_of=None, actor=silence.created_by,
        )  # fmt: skip


# --- the web page's actions, by alert id ------------------------------------------------------


def unacknowledge_by_id(
    session: Session, *, alert_id: int, reason: str, actor: str | None, now: datetime
) -> Alert:
    """:func:`unacknowledge` the alert ``alert_id``, or raise :class:`AlertActionError` saying why not.
    The reason may be left out: undoing a mistaken click needs no explanation."""
    reason = reason.strip() or "撤销确认"
    alert = _open_alert(session, alert_id, reason)
    unacknowledge(session, alert=alert, reason=reason, actor=actor, now=now)
    return alert


def acknowledge_by_id(
    session: Session, *, alert_id: int, reason: str, actor: str | None, now: datetime
) -> Alert:
    """:func:`acknowledge` the alert ``alert_id``, or raise :class:`AlertActionError` saying why not."""
    alert = _open_alert(session, alert_id, reason)
    acknowledge(session, alert=alert, reason=reason.strip(), actor=actor, now=now)
    return alert


def silence_by_id(
    session: Session,
    *,
    alert_id: int,
    until: datetime,
    reason: str,
    actor: str | None,
    now: datetime,
    judged_at: datetime | None = None,
) -> Alert:
    """:func:`silence` the alert ``alert_id``, or raise :class:`AlertActionError` saying why not.

    ``until`` must lie after ``judged_at`` (the moment the page judges at; ``now`` by default).
    """
    alert = _open_alert(session, alert_id, reason)
    if until <= (judged_at or now):
        raise AlertActionError("静默截止时间必须晚于现在")
    silence(
        session, alert=alert, until=until, reason=reason.strip(), actor=actor, now=now, starts_at=judged_at
    )
    return alert


def _open_alert(session: Session, alert_id: int, reason: str) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertActionError(f"找不到编号为 {alert_id} 的提醒")
    if alert.state is AlertState.RESOLVED:
        raise AlertActionError(f"提醒“{alert.subject}”已经解决，无需处理")
    if not reason.strip():
        raise AlertActionError("请写明原因")
    return alert


# --- reading ------------------------------------------------------------------------------------


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    """The alert with this number (``duban alerts`` shows it as 编号)."""
    return session.get(Alert, alert_id)


def alerts_under(session: Session, *, project_id: int | None, key: str) -> list[Alert]:
    """The project's alerts whose key is ``key`` or starts with ``key/`` (a whole item, say)."""
    prefix = key.rstrip("/") + "/"
    # Compared as text, not with LIKE: "_" and "%" are ordinary in a key, and SQLite's LIKE would
    # also ignore case where PostgreSQL's does not.
    query = select(Alert).where(
        Alert.project_id == project_id,
        (col(Alert.key) == key) | (func.substr(col(Alert.key), 1, len(prefix)) == prefix),
    )
    return list(session.exec(query).all())


def list_alerts(session: Session, *, project: str | None, include_resolved: bool) -> list[Alert]:
    """Alerts by project, then as the documents number them (问题2 before 问题12); only open ones
    unless ``include_resolved``."""
    query = select(Alert).join(Project).order_by(code_point_order(Project.code), code_point_order(Alert.key))
    if project:
        query = query.where(Project.code == project)
    if not include_resolved:
        query = query.where(Alert.state != AlertState.RESOLVED)
    rows = list(session.exec(query))
    rows.sort(key=lambda a: natural_key(a.key))  # stable: projects stay in code-point order
    return rows


def open_alerts(session: Session, *, project: str) -> list[Alert]:
    """The project's alerts not yet resolved, in the database's order."""
    query = select(Alert).join(Project).where(Project.code == project, Alert.state != AlertState.RESOLVED)
    return list(session.exec(query).all())


class AlertRow(NamedTuple):
    """An alert as a run reads it before deciding: a national run reads some 60,000 of them, and
    most only need their time seen moved (:func:`mark_seen`), which needs no mapped object."""

    id: int
    key: str
    kind: str
    severity: str
    subject: str
    stage: str
    state: AlertState
    last_notified_at: datetime | None
    notify_count: int
    escalated_at: datetime | None
    last_as_of: date | None
    payload: dict[str, Any]


def unresolved_alerts(session: Session, *, project_ids: Iterable[int | None]) -> dict[str, AlertRow]:
    """The projects' alerts not yet resolved: the ones a run may change whatever it finds.

    Straight from the driver, as the facts are: a province has some 60,000 open alerts, and the
    ORM's per-row conversions took two seconds of the daily run. The few typed columns are
    converted here (SQLite hands back text, PostgreSQL typed values).
    """
    ids = [i for i in project_ids if i is not None]
    rows = fetch_rows(
        session,
        f"SELECT {', '.join(AlertRow._fields)} FROM alert "
        f"WHERE project_id IN ({ints(ids)}) AND state != '{AlertState.RESOLVED.value}'",
    )
    alerts: dict[str, AlertRow] = {}
    for i, key, kind, severity, subject, stage, state, told, count, escalated, last, payload in rows:
        alerts[key] = AlertRow(
            i, key, kind, severity, subject, stage, member(AlertState, state), aware_utc(told), count,
            aware_utc(escalated), stored_date(last),
            json.loads(payload) if isinstance(payload, str) else payload,
        )  # fmt: skip
    return alerts


def alerts_in_play(
    session: Session,
    *,
    project_ids: set[int | None],
    current: set[str],
    unresolved: dict[str, AlertRow] | None = None,
) -> dict[str, AlertRow]:
    """The alerts a run can change: every one not yet resolved (``unresolved`` when already read
    with :func:`unresolved_alerts`), and the resolved ones found again.

    A resolved alert that is not found again stays resolved whatever happens (``decide`` says
    STILL_RESOLVED), so the history, some 10,000 resolved alerts after two years of a county's
    plans, stays in the database instead of being loaded every day.
    """
    query = _rows_of(project_ids)
    alerts = dict(unresolved_alerts(session, project_ids=project_ids) if unresolved is None else unresolved)
    again = sorted(current - alerts.keys())
    for chunk in in_chunks(again):
        found = session.exec(query.where(col(Alert.key).in_(chunk)))
        alerts.update((row.key, row) for row in map(AlertRow._make, found))
    return alerts


def _rows_of(project_ids: Iterable[int | None]) -> Any:
    """The SELECT of :class:`AlertRow` columns for the projects' alerts."""
    columns = [getattr(Alert, name) for name in AlertRow._fields]
    return select(*columns).where(col(Alert.project_id).in_(list(project_ids)))


def alerts_by_id(session: Session, *, ids: list[int]) -> dict[int, Alert]:
    """The alerts numbered ``ids``, to change (the session keeps them)."""
    found: dict[int, Alert] = {}
    for chunk in in_chunks(ids):
        rows = session.exec(select(Alert).where(col(Alert.id).in_(chunk)))
        found.update((a.id, a) for a in rows if a.id is not None)  # always: read from the table
    return found


def mark_seen(session: Session, *, ids: list[int], now: datetime, as_of: date) -> None:
    """Alerts seen again with nothing else changed: ``last_seen_at`` is ``now`` and ``last_as_of``
    at least ``as_of``: one statement on PostgreSQL, one per few hundred alerts on SQLite."""
    latest = case(
        (or_(col(Alert.last_as_of).is_(None), col(Alert.last_as_of) < as_of), as_of),
        else_=col(Alert.last_as_of),
    )
    if session.get_bind().dialect.name == "postgresql":
        # One statement with the ids as one array: a national day's 57,000 alerts in 1.2 s, where
        # statements of a few hundred bound ids each took 2.2 s.
        which = [col(Alert.id) == any_(bindparam("ids", ids, type_=ARRAY(Integer)))]
    else:
        which = [col(Alert.id).in_(chunk) for chunk in in_chunks(ids)]
    for where in which:
        session.execute(
            update(Alert)
            .where(where)
            .values(last_seen_at=now, last_as_of=latest)
            .execution_options(synchronize_session=False)  # the session holds none of them
        )


def told_days(session: Session, *, alert_ids: list[int]) -> dict[int, list[tuple[date, str]]]:
    """Each alert's earlier messages: the as-of day and the stage told, oldest first."""
    told: dict[int, list[tuple[date, str]]] = {}
    for chunk in in_chunks(alert_ids):
        events = session.exec(
            select(AlertEvent)
            .where(col(AlertEvent.alert_id).in_(chunk), AlertEvent.event == "notified")
            .order_by(col(AlertEvent.as_of), col(AlertEvent.id))
        ).all()
        for event in events:
            if event.as_of is not None:
                told.setdefault(event.alert_id, []).append((event.as_of, event.stage))
    return told
