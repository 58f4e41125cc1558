"""Evaluate → alert state → outbox, in one transaction.

The findings decide, per alert key, whether to notify (:func:`bot.alerting.decide`); the alerts
that change and the digests that report them are written together, so a crash leaves either
both or neither. Re-running the same day finds nothing new to say and queues nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.alerting import AlertMemory, AlertPolicy, Reason, decide
from bot.evaluation import Policy, evaluate
from bot.findings import Finding, FindingKind, Severity
from bot.routing import ChannelFacts, route
from bot.workdays import WorkCalendar
from db.channels import load_channels
from db.enums import AlertState
from db.facts import load_projects
from db.models import Alert, Channel, Delivery, Project
from notifiers.digest import build_digest
from notifiers.render import render_digest, subject_of

log = logging.getLogger(__name__)
HTML_CHANNELS = frozenset({"email"})


@dataclass
class EvaluateResult:
    findings: list[Finding] = field(default_factory=list)
    notified: int = 0
    resolved: int = 0
    deliveries: int = 0
    unrouted: int = 0
    queued: list[Delivery] = field(default_factory=list)


def evaluate_and_queue(
    engine: Engine,
    *,
    as_of: date,
    now: datetime,
    calendar: WorkCalendar,
    policy: Policy,
    alert_policy: AlertPolicy,
    projects: list[str] | None = None,
    dry_run: bool = False,
) -> EvaluateResult:
    """Evaluate, update alerts and queue digests; ``dry_run`` computes all of it and keeps none."""
    with Session(engine, expire_on_commit=False) as session:
        result = _evaluate_in(
            session,
            as_of=as_of,
            now=now,
            calendar=calendar,
            policy=policy,
            alert_policy=alert_policy,
            projects=projects,
        )
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return result


def _evaluate_in(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    calendar: WorkCalendar,
    policy: Policy,
    alert_policy: AlertPolicy,
    projects: list[str] | None,
) -> EvaluateResult:
    result = EvaluateResult()
    facts = load_projects(session, projects)
    codes = [p.code for p in facts]
    names = {p.code: p.name for p in facts}
    result.findings = evaluate(facts, as_of, calendar, policy)
    alerts = {a.key: a for a in session.exec(select(Alert).join(Project).where(col(Project.code).in_(codes)))}
    project_ids = {p.code: p.id for p in session.exec(select(Project).where(col(Project.code).in_(codes)))}
    to_notify: list[Finding] = []
    for finding in result.findings:
        alert = alerts.get(finding.key)
        if decide(_memory(alert), finding, now, alert_policy).notifies:
            to_notify.append(finding)
        alerts[finding.key] = _remember(session, alert, finding, project_ids[finding.project], now)
    current = {f.key for f in result.findings}
    resolved = [
        alert
        for key, alert in alerts.items()
        if key not in current and decide(_memory(alert), None, now, alert_policy) is Reason.RESOLVED
    ]
    for alert in resolved:
        alert.state, alert.resolved_at, alert.state_reason = AlertState.RESOLVED, now, "情况已消除"
        session.add(alert)
    result.resolved = len(resolved)
    channels = load_channels(session, codes)
    told = _queue(session, channels, to_notify, [_as_finding(a) for a in resolved], names, as_of, now, result)
    for key in told:
        alert = alerts[key]
        alert.last_notified_at, alert.notify_count = now, alert.notify_count + 1
        session.add(alert)
    result.notified = len(told & {f.key for f in to_notify})
    result.unrouted = len({f.key for f in to_notify} - told)
    return result


def _memory(alert: Alert | None) -> AlertMemory | None:
    if alert is None:
        return None
    return AlertMemory(alert.state, alert.stage, alert.last_notified_at, alert.silenced_until)


def _remember(
    session: Session, alert: Alert | None, finding: Finding, project_id: int | None, now: datetime
) -> Alert:
    if alert is None:
        alert = Alert(
            key=finding.key,
            project_id=project_id or 0,
            kind=finding.kind.value,
            severity=finding.severity.value,
            subject=finding.subject,
            first_seen_at=now,
        )
    elif alert.state is AlertState.RESOLVED:
        alert.state, alert.resolved_at, alert.state_reason = AlertState.OPEN, None, "再次出现"
    alert.kind, alert.severity, alert.subject = finding.kind.value, finding.severity.value, finding.subject
    alert.stage, alert.last_seen_at = finding.stage, now
    alert.payload = {"persons": list(finding.persons), "project": finding.project}
    session.add(alert)
    return alert


def _as_finding(alert: Alert) -> Finding:
    """The resolved alert, in the shape the routing and the templates read."""
    persons = tuple(str(p) for p in alert.payload.get("persons", []))  # type: ignore[union-attr]
    return Finding(
        key=alert.key,
        project=str(alert.payload.get("project", "")),
        kind=FindingKind(alert.kind),
        severity=Severity(alert.severity),
        subject=alert.subject,
        stage="resolved",
        persons=persons,
    )


def _queue(
    session: Session,
    channels: list[ChannelFacts],
    findings: list[Finding],
    resolved: list[Finding],
    names: dict[str, str],
    as_of: date,
    now: datetime,
    result: EvaluateResult,
) -> set[str]:
    """Write one digest per channel into the outbox; return the alert keys that reached a channel."""
    routed = route(findings, channels)
    routed_resolved = route(resolved, channels)
    told: set[str] = set()
    channel_ids = {(c.project_id, c.code): c.id for c in session.exec(select(Channel))}
    project_ids = {p.code: p.id for p in session.exec(select(Project))}
    by_channel: dict[ChannelFacts, tuple[list[Finding], list[Finding]]] = defaultdict(lambda: ([], []))
    for channel, items in routed.items():
        by_channel[channel][0].extend(items)
    for channel, items in routed_resolved.items():
        by_channel[channel][1].extend(items)
    for channel, (open_findings, cleared) in by_channel.items():
        digest = build_digest(names[channel.project], channel.name, as_of, open_findings, cleared)
        keys = sorted(f"{f.key}@{f.stage}" for f in [*open_findings, *cleared])
        dedup = (
            f"{as_of}/{channel.project}/{channel.code}/"
            + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
        )
        if session.exec(select(Delivery).where(Delivery.dedup_key == dedup)).first() is None:
            project_id = project_ids[channel.project]
            assert project_id is not None
            delivery = Delivery(
                dedup_key=dedup,
                project_id=project_id,
                channel_id=channel_ids.get((project_id, channel.code)),
                channel_code=channel.code,
                subject=subject_of(digest),
                body=render_digest(digest, html=channel.kind in HTML_CHANNELS),
                text_body=render_digest(digest, text=True) if channel.kind in HTML_CHANNELS else None,
                mentions=list(digest.mentions),
                alert_keys=[f.key for f in open_findings + cleared],
                created_at=now,
                next_attempt_at=now,
            )
            session.add(delivery)
            result.queued.append(delivery)
            result.deliveries += 1
        told.update(f.key for f in open_findings)
    if findings and not channels:
        log.warning("项目没有配置任何频道，%d 条提醒无人接收", len(findings))
    return told
