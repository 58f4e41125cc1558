"""People acting on an alert from the web page: acknowledge it, or silence it until a date.

Data-access functions in the house style: keyword-only, given the session, no commit. The alert
lifecycle (``bot.alerting``) reads ``state`` and ``silenced_until``; an acknowledged alert is
still followed, a silenced one is not told again before ``silenced_until``.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from db.models import Alert
from domain.enums import AlertState
from domain.errors import DubanError


class AlertActionError(DubanError):
    """An action the alert cannot take: unknown, already resolved, no reason, a date in the past."""


def _open_alert(session: Session, alert_id: int, reason: str) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertActionError(f"找不到编号为 {alert_id} 的提醒")
    if alert.state is AlertState.RESOLVED:
        raise AlertActionError(f"提醒“{alert.subject}”已经解决，无需处理")
    if not reason.strip():
        raise AlertActionError("请写明原因")
    return alert


def acknowledge(session: Session, *, alert_id: int, reason: str, now: datetime) -> Alert:
    """Mark an alert as seen and being handled (已确认), with the reason people gave."""
    alert = _open_alert(session, alert_id, reason)
    alert.state, alert.state_reason, alert.silenced_until = AlertState.ACKNOWLEDGED, reason.strip(), None
    alert.last_seen_at = max(alert.last_seen_at, now)
    session.add(alert)
    return alert


def silence(session: Session, *, alert_id: int, until: datetime, reason: str, now: datetime) -> Alert:
    """Stop reminders about an alert until ``until`` (已静默), with the reason people gave."""
    alert = _open_alert(session, alert_id, reason)
    if until <= now:
        raise AlertActionError("静默截止时间必须晚于现在")
    alert.state, alert.state_reason, alert.silenced_until = AlertState.SILENCED, reason.strip(), until
    session.add(alert)
    return alert
