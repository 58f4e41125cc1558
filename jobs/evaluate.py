"""Evaluate → alert state → outbox, in one transaction.

The findings decide, per alert key, whether to notify (:func:`domain.alerting.decide`); the alerts
that change, their transition events and the digests that report them are written together, so a
crash leaves either all or none. Re-running a day, or an earlier day, finds nothing new to say
and queues nothing. An alert's stage only advances once its finding reached a channel's outbox.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import outbox
from db.alerts import alerts_in_play
from db.channels import channel_ids as load_channel_ids
from db.channels import load_channels
from db.facts_loader import load_projects
from db.models import Alert, Delivery
from db.plan import project_ids as load_project_ids
from domain.alerting import AlertPolicy, Reason, decide
from domain.evaluation import Policy, evaluate
from domain.findings import Finding
from domain.resolutions import clearing_for, clearings
from domain.routing import ChannelFacts, route
from domain.workdays import WorkCalendar
from jobs.alert_state import as_finding, memory_of, notified, observe
from jobs.alert_state import resolved as mark_resolved
from notifiers.base import Format
from notifiers.digest import build_digest
from notifiers.registry import FormatOf, builtin_format
from notifiers.render import render_digest, subject_of

log = logging.getLogger(__name__)


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
    formats: FormatOf = builtin_format,
) -> EvaluateResult:
    """Evaluate, update alerts and queue digests; ``dry_run`` computes all of it and keeps none.

    ``formats`` says how each channel kind's digest is written (the channel registry's).
    """
    with Session(engine, expire_on_commit=False) as session:
        result = _evaluate_in(
            session,
            as_of=as_of,
            now=now,
            calendar=calendar,
            policy=policy,
            alert_policy=alert_policy,
            projects=projects,
            formats=formats,
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
    formats: FormatOf,
) -> EvaluateResult:
    result = EvaluateResult()
    facts = load_projects(session, projects)
    codes = [p.code for p in facts]
    names = {p.code: p.name for p in facts}
    project_ids = load_project_ids(session, codes=codes)
    result.findings = evaluate(facts, as_of, calendar, policy)
    current = {f.key for f in result.findings}
    alerts = alerts_in_play(session, project_ids=set(project_ids.values()), current=current)
    workday = calendar.is_workday(as_of)

    def judge(alert: Alert | None, finding: Finding | None) -> Reason:
        return decide(memory_of(alert), finding, now, alert_policy, as_of=as_of, workday=workday)

    decisions = [(f, judge(alerts.get(f.key), f)) for f in result.findings]
    cleared = [(a, judge(a, None)) for key, a in alerts.items() if key not in current]
    known = clearings(facts)
    to_notify = [f for f, reason in decisions if reason.notifies]
    resolved = []
    for alert, reason in cleared:
        how = clearing_for(alert.key, known, alert.kind, alert.stage)
        if how.quiet and reason in (Reason.RESOLVED, Reason.NOT_WORKDAY):
            reason = Reason.RESOLVED_QUIETLY  # it moved or lapsed: "已解决" would be untrue
        if reason.resolves:
            resolved.append((alert, reason, how.note))
    told_resolved: list[Finding] = [
        as_finding(a, note) for a, reason, note in resolved if reason is Reason.RESOLVED
    ]
    channels = load_channels(session, codes)
    told = _queue(session, channels, to_notify, told_resolved, names, as_of, now, result, formats)
    for finding, reason in decisions:
        if reason is Reason.REPLAY:
            continue  # an earlier day than this alert has seen: leave it exactly as it is
        project_id = project_ids[finding.project]
        assert project_id is not None
        alert = observe(session, alerts.get(finding.key), finding, project_id, now=now, as_of=as_of)
        alerts[finding.key] = alert
        if reason.notifies and finding.key in told:
            notified(session, alert, finding, reason, now=now, as_of=as_of)
    for alert, reason, note in resolved:
        mark_resolved(session, alert, reason, note, now=now, as_of=as_of)
    result.resolved = len(resolved)
    result.notified = len(told & {f.key for f in to_notify})
    result.unrouted = len({f.key for f in to_notify} - told)
    return result


def _queue(
    session: Session,
    channels: list[ChannelFacts],
    findings: list[Finding],
    resolved: list[Finding],
    names: dict[str, str],
    as_of: date,
    now: datetime,
    result: EvaluateResult,
    formats: FormatOf,
) -> set[str]:
    """Write one digest per channel into the outbox; return the alert keys that reached a channel."""
    routed = route(findings, channels)
    routed_resolved = route(resolved, channels)
    told: set[str] = set()
    channel_ids = load_channel_ids(session)
    project_ids = load_project_ids(session)
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
        if not outbox.is_queued(session, dedup_key=dedup):
            fmt = formats(channel.kind)
            project_id = project_ids[channel.project]
            assert project_id is not None
            delivery = outbox.queue_delivery(
                session,
                dedup_key=dedup,
                project_id=project_id,
                channel_id=channel_ids.get((project_id, channel.code)),
                channel_code=channel.code,
                subject=subject_of(digest),
                body=render_digest(digest, html=fmt is Format.HTML, text=fmt is Format.TEXT),
                text_body=render_digest(digest, text=True) if fmt is Format.HTML else None,
                mentions=list(digest.mentions),
                alert_keys=[f.key for f in open_findings + cleared],
                created_at=now,
                next_attempt_at=now,
            )
            result.queued.append(delivery)
            result.deliveries += 1
        told.update(f.key for f in open_findings)
    if findings and not channels:
        log.warning("项目没有配置任何频道，%d 条提醒无人接收", len(findings))
    return told
