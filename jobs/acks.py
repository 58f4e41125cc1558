"""Acknowledging and silencing alerts by hand (``duban ack`` / ``unack`` / ``silence``).

* Acknowledged (已知悉): the same stage is not repeated; a later stage (due → overdue →
  escalated) is news and is told again. Undone (撤销确认), the alert is reminded as scheduled.
* Silenced (静默) until a time: nothing is told until then, except a resolution. One alert is
  silenced by its key, a whole item by the item's key (:mod:`jobs.silences`).

Each needs a reason. They go through :mod:`db.alerts` and :mod:`jobs.silences`, the same path as
the web page's buttons, so each is recorded as an :class:`AlertEvent` with who did it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from db import alerts as store
from db.alerts import list_alerts
from db.models import Alert
from db.plan import project_by_code
from domain.enums import AlertState
from domain.errors import ConfigurationError
from domain.keys import project_of
from jobs import silences
from jobs.silences import Wanted

__all__ = ["acknowledge", "find_alerts", "list_alerts", "silence", "unacknowledge"]


def find_alerts(session: Session, *, project: str | None, key: str) -> list[Alert]:
    """The open alerts ``key`` names: a number from ``duban alerts`` (``12`` or ``#12``), or a key
    of ``project`` — the alert whose key it is, or every alert under it (``item/-/13``: the item)."""
    number = _number(key)
    if number is not None:
        return [_by_number(session, number, project)]
    if not project:
        raise ConfigurationError("请写 duban alerts 列出的编号（数字），或用 --project 指明项目")
    row = project_by_code(session, code=project)
    if row is None:
        raise ConfigurationError(f"项目 {project} 不存在")
    full = _full_key(project, key)
    alerts = store.alerts_under(session, project_id=row.id, key=full)
    open_alerts = [a for a in alerts if a.state is not AlertState.RESOLVED]
    if not open_alerts:
        raise ConfigurationError(f"项目 {project} 没有未解决的提醒“{full}”（可用 duban alerts 查看）")
    return list(open_alerts)


def _by_number(session: Session, number: int, project: str | None) -> Alert:
    alert = store.alert_by_id(session, number)
    if alert is None or (project and project_of(alert.key) != project):
        where = f"项目 {project} " if project else ""
        raise ConfigurationError(f"{where}没有编号为 {number} 的提醒（可用 duban alerts 查看）")
    if alert.state is AlertState.RESOLVED:
        raise ConfigurationError(f"编号 {number} 的提醒（{alert.subject}）已经解决，不需要再处理")
    return alert


def acknowledge(
    session: Session, *, project: str | None, key: str, reason: str, actor: str | None, now: datetime
) -> list[Alert]:
    _need(reason)
    alerts = find_alerts(session, project=project, key=key)
    for alert in alerts:
        store.acknowledge(session, alert=alert, reason=reason, actor=actor, now=now)
    return alerts


def unacknowledge(
    session: Session, *, project: str | None, key: str, reason: str, actor: str | None, now: datetime
) -> list[Alert]:
    """Undo the acknowledgement of the alerts ``key`` names (those acknowledged among them)."""
    alerts = [a for a in find_alerts(session, project=project, key=key) if a.state is AlertState.ACKNOWLEDGED]
    if not alerts:
        raise ConfigurationError(f"“{key}”没有已确认的提醒，无需撤销（可用 duban alerts 查看）")
    for alert in alerts:
        store.unacknowledge(session, alert=alert, reason=reason.strip() or "撤销确认", actor=actor, now=now)
    return alerts


def silence(
    session: Session,
    *,
    project: str | None,
    key: str,
    until: datetime,
    reason: str,
    actor: str | None,
    now: datetime,
) -> list[Alert]:
    """Silence one alert (by its number) or every alert under a key of ``project``, now and later
    ones under it too, until ``until``."""
    _need(reason)
    alerts = find_alerts(session, project=project, key=key)
    code = project_of(alerts[0].key)
    whole = alerts[0].key if _number(key) is not None else _full_key(code, key)
    wanted = Wanted(code, until, reason, key=whole)
    silences.create(session, wanted=wanted, actor=actor, now=now, at=now)
    return alerts


def _number(key: str) -> int | None:
    number = key.strip().removeprefix("#")
    return int(number) if number.isdigit() else None


def _full_key(project: str, key: str) -> str:
    return key if key.startswith(f"{project}/") else f"{project}/{key}"


def _need(reason: str) -> None:
    if not reason.strip():
        raise ConfigurationError("请用 --reason 说明原因，它会记入提醒的处理记录")
