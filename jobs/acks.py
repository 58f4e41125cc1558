"""Acknowledging and silencing alerts by hand (``duban ack`` / ``duban silence``).

* Acknowledged (已知悉): the same stage is not repeated; a later stage (due → overdue →
  escalated) is news and is told again.
* Silenced (静默) until a time: nothing is told until then, except a resolution.

Both need a reason, and both are recorded as an :class:`AlertEvent` with who did it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from db.models import Alert, Project
from db.types import code_point_order
from domain.enums import AlertState
from domain.errors import ConfigurationError
from jobs.alert_state import record


def find_alerts(session: Session, *, project: str, key: str) -> list[Alert]:
    """Alerts of ``project`` whose key is ``key`` or starts with ``key/`` (a whole item, say)."""
    row = session.exec(select(Project).where(Project.code == project)).first()
    if row is None:
        raise ConfigurationError(f"项目 {project} 不存在")
    full = key if key.startswith(f"{project}/") else f"{project}/{key}"
    prefix = full.rstrip("/") + "/"
    # Compared as text, not with LIKE: "_" and "%" are ordinary in a key, and SQLite's LIKE would
    # also ignore case where PostgreSQL's does not.
    alerts = session.exec(
        select(Alert).where(
            Alert.project_id == row.id,
            (col(Alert.key) == full) | (func.substr(col(Alert.key), 1, len(prefix)) == prefix),
        )
    ).all()
    open_alerts = [a for a in alerts if a.state is not AlertState.RESOLVED]
    if not open_alerts:
        raise ConfigurationError(f"项目 {project} 没有未解决的提醒“{full}”（可用 duban alerts 查看）")
    return list(open_alerts)


def acknowledge(
    session: Session, *, project: str, key: str, reason: str, actor: str | None, now: datetime
) -> list[Alert]:
    _need(reason)
    alerts = find_alerts(session, project=project, key=key)
    for alert in alerts:
        alert.state, alert.state_reason, alert.silenced_until = AlertState.ACKNOWLEDGED, reason, None
        session.add(alert)
        record(session, alert, "acknowledged", reason, now=now, as_of=None, actor=actor)
    return alerts


def silence(
    session: Session,
    *,
    project: str,
    key: str,
    until: datetime,
    reason: str,
    actor: str | None,
    now: datetime,
) -> list[Alert]:
    _need(reason)
    if until <= now:
        raise ConfigurationError(f"静默截止时间 {until:%Y-%m-%d %H:%M} 已过，请给出将来的时间")
    alerts = find_alerts(session, project=project, key=key)
    for alert in alerts:
        alert.state, alert.state_reason, alert.silenced_until = AlertState.SILENCED, reason, until
        session.add(alert)
        record(
            session, alert, "silenced", f"静默至 {until:%Y-%m-%d %H:%M}：{reason}",
            now=now, as_of=None, actor=actor,
        )  # fmt: skip
    return alerts


def _need(reason: str) -> None:
    if not reason.strip():
        raise ConfigurationError("请用 --reason 说明原因，它会记入提醒的处理记录")


def list_alerts(session: Session, *, project: str | None, include_resolved: bool) -> list[Alert]:
    query = select(Alert).join(Project).order_by(code_point_order(Project.code), code_point_order(Alert.key))
    if project:
        query = query.where(Project.code == project)
    if not include_resolved:
        query = query.where(Alert.state != AlertState.RESOLVED)
    return list(session.exec(query))
