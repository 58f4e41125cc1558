"""Alert rows and their transitions: what :mod:`jobs.evaluate` writes after deciding.

Every change of an alert's state or stage is an :class:`AlertEvent` with the time, the as-of day
and the reason, so "why did (or didn't) we tell them?" has an answer in the database.

``now`` is the real clock and stamps every time kept here (seen, notified, resolved, events);
``as_of`` is the day judged. The as-of day last told is kept in the payload (``told_on``) for the
repeat rule. Silences are rows of their own (:mod:`db.silences`), judged by :mod:`jobs.evaluate`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from db.alerts import AlertRow, record_event, save_alert
from db.models import Alert
from domain.alerting import AlertMemory, Reason
from domain.enums import AlertState, Severity
from domain.findings import KINDS, Finding, Resolved
from domain.keys import RESOLVED
from domain.labels import stage_label

EVENT_WORDS = {
    Reason.FIRST: "首次提醒",
    Reason.NEW_STAGE: "进入新阶段",
    Reason.REPEAT: "到了重复提醒的间隔",
    Reason.RESOLVED: "情况已消除",
    Reason.RESOLVED_QUIETLY: "关闭，不发“已解决”",
}


def memory_of(alert: Alert | AlertRow | None) -> AlertMemory | None:
    if alert is None:
        return None
    return AlertMemory(
        state=alert.state,
        stage=alert.stage,
        last_notified_at=alert.last_notified_at,
        notified=alert.notify_count > 0,
        last_as_of=alert.last_as_of,
        told_on=_told_on(alert.payload),
    )


def _told_on(payload: dict[str, Any] | None) -> date | None:
    text = (payload or {}).get("told_on")
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def opened(
    session: Session, findings: list[Finding], project_ids: dict[str, int], *, now: datetime, as_of: date
) -> dict[str, Alert]:
    """New alerts for findings seen for the first time, by key, each with its "opened" event.

    Stored with one flush (the events need the ids): a province's first day opens tens of thousands,
    and a flush per alert walks the whole session each time.
    """
    fresh: dict[str, tuple[Alert, Finding]] = {}
    for finding in findings:
        alert = Alert(
            key=finding.key,
            project_id=project_ids[finding.project],
            kind=finding.kind.value,
            severity=finding.severity.value,
            subject=finding.subject,
            first_seen_at=now,
        )
        fresh.setdefault(finding.key, (alert, finding))
    for alert, _ in fresh.values():
        save_alert(session, alert=alert)
    session.flush()
    for alert, finding in fresh.values():
        reason = f"发现：{KINDS.label(finding.kind)}"
        record_event(session, alert=alert, event="opened", reason=reason, now=now, as_of=as_of)
    return {key: alert for key, (alert, _) in fresh.items()}


def only_seen(alert: AlertRow, finding: Finding, *, now: datetime, as_of: date) -> bool:
    """Whether :func:`observe` would change nothing but the time seen and the as-of day, which
    :func:`db.alerts.mark_seen` sets for many alerts at once."""
    return (alert.kind, alert.severity, alert.subject) == (
        finding.kind.value,
        finding.severity.value,
        finding.subject,
    ) and _same(_payload(finding, alert.payload), alert.payload)


def observe(session: Session, alert: Alert, finding: Finding, *, now: datetime, as_of: date) -> Alert:
    """Refresh the alert for a finding seen today (not yet notified).

    Only what changed is set: every assignment to a mapped attribute costs the ORM's bookkeeping
    (and the payload a JSON write).
    """
    _set(alert, "kind", finding.kind.value)
    _set(alert, "severity", finding.severity.value)
    _set(alert, "subject", finding.subject)
    alert.last_seen_at = now
    _set(alert, "last_as_of", max(alert.last_as_of or as_of, as_of))
    payload = _payload(finding, alert.payload)
    if not _same(payload, alert.payload):
        alert.payload = payload
    save_alert(session, alert=alert)
    return alert


def _payload(finding: Finding, kept: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "project": finding.project,
        "persons": list(finding.persons),
        "units": list(finding.units),
        "due": finding.due.isoformat() if finding.due else None,
        "seen_stage": finding.stage,
        **_kept(kept),
    }


def _same(payload: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    return list(payload.items()) == list((stored or {}).items())  # in order: as it is stored


def notified(
    session: Session, alert: Alert, finding: Finding, reason: Reason, *, now: datetime, as_of: date
) -> None:
    """The finding reached a channel's outbox: advance the alert's stage and remember the time."""
    if alert.state is AlertState.RESOLVED:
        alert.state, alert.resolved_at, alert.state_reason = AlertState.OPEN, None, "再次出现"
        record_event(session, alert=alert, event="reopened", reason="情况再次出现", now=now, as_of=as_of)
    if alert.state is AlertState.ACKNOWLEDGED and reason is Reason.NEW_STAGE:
        alert.state, alert.state_reason = AlertState.OPEN, "进入新阶段，确认失效"
    alert.stage, alert.last_notified_at = finding.stage, now
    alert.payload = {**(alert.payload or {}), "told_on": as_of.isoformat()}
    alert.notify_count += 1
    save_alert(session, alert=alert)
    record_event(
        session,
        alert=alert,
        event="notified",
        reason=f"{EVENT_WORDS[reason]}（{stage_label(finding.stage, None)}）",
        now=now,
        as_of=as_of,
    )
    if finding.escalate and alert.escalated_at is None:
        alert.escalated_at = now
        record_event(session, alert=alert, event="escalated", reason="已上报领导小组", now=now, as_of=as_of)


def resolved(
    session: Session, alert: Alert, reason: Reason, note: str, *, now: datetime, as_of: date
) -> None:
    alert.state, alert.resolved_at, alert.state_reason = AlertState.RESOLVED, now, note
    alert.last_as_of = max(alert.last_as_of or as_of, as_of)
    save_alert(session, alert=alert)
    record_event(
        session, alert=alert, event="resolved", reason=f"{EVENT_WORDS[reason]}：{note}", now=now, as_of=as_of
    )


def as_finding(alert: Alert | AlertRow, note: str) -> Resolved:
    """A resolved alert, in the shape the routing and the templates read."""
    payload = alert.payload or {}
    persons, units = _names(payload.get("persons")), _names(payload.get("units"))
    return Resolved(
        key=alert.key,
        project=str(payload.get("project", "")),
        severity=Severity(alert.severity),
        subject=alert.subject,
        stage=RESOLVED,
        persons=persons,
        units=units,
        escalate=alert.escalated_at is not None,
        note=note,
    )


def _set(alert: Alert, name: str, value: object) -> None:
    if getattr(alert, name) != value:
        setattr(alert, name, value)


def _kept(payload: dict[str, Any] | None) -> dict[str, Any]:
    """What the payload keeps across findings: the as-of day last told."""
    told = (payload or {}).get("told_on")
    return {"told_on": told} if told else {}


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
