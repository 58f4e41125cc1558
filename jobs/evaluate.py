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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import outbox
from db.alerts import AlertRow, alerts_by_id, alerts_in_play, mark_seen, told_days, unresolved_alerts
from db.channels import channel_ids as load_channel_ids
from db.channels import load_channels
from db.facts_loader import no_gc
from db.models import Delivery
from db.plan import item_by_number
from db.plan import project_ids as load_project_ids
from domain.alerting import AlertPolicy, Reason, decide, judging_moment
from domain.evaluation import Policy
from domain.findings import Finding
from domain.resolutions import clearing_for
from domain.routing import ChannelFacts, route
from domain.workdays import WorkCalendar
from jobs.alert_state import as_finding, memory_of, notified, observe, only_seen, opened
from jobs.alert_state import resolved as mark_resolved
from jobs.compose import Draft, Wording, drafts
from jobs.judging import judge_projects
from jobs.page_links import PageLinks
from jobs.reply_links import ReplyLinks
from jobs.silences import muting
from notifiers.registry import FormatOf, builtin_format

log = logging.getLogger(__name__)
# Alerts written between two flushes of what they record: a province's first day writes 57,000
# alerts and 114,000 events, and the session would hold every event until the commit.
FLUSH_EVERY = 5_000


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
    public_url: str | None = None,
    reply_links: ReplyLinks | None = None,
) -> EvaluateResult:
    """Evaluate, update alerts and queue digests; ``dry_run`` computes all of it and keeps none.

    ``formats`` says how each channel kind's digest is written (the channel registry's);
    ``public_url`` is the web interface's address, which messages link to when set;
    ``reply_links``, when given, puts a reply link in each reminder that reaches one person.
    """
    with no_gc(), Session(engine, expire_on_commit=False) as session:
        result = _evaluate_in(
            session,
            as_of=as_of,
            now=now,
            calendar=calendar,
            policy=policy,
            alert_policy=alert_policy,
            projects=projects,
            formats=formats,
            public_url=public_url,
            reply_links=reply_links,
            kept=not dry_run,
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
    public_url: str | None,
    reply_links: ReplyLinks | None,
    kept: bool = True,
) -> EvaluateResult:
    result = EvaluateResult()
    read: list[_Read] = []
    judged = judge_projects(
        session,
        projects,
        as_of,
        calendar,
        policy,
        meanwhile=lambda: read.append(_read(session, projects, now, as_of)),
    )
    names = judged.names
    ((ids, unresolved, muted, channels),) = read
    result.findings = judged.findings
    current = {f.key for f in result.findings}
    alerts = alerts_in_play(session, project_ids=set(ids.values()), current=current, unresolved=unresolved)
    workday = calendar.is_workday(as_of)

    def judge(alert: AlertRow | None, finding: Finding | None) -> Reason:
        until = muted(finding) if finding is not None else None
        return decide(
            memory_of(alert), finding, now, alert_policy, as_of=as_of, workday=workday, muted_until=until
        )

    decisions = [(f, judge(alerts.get(f.key), f)) for f in result.findings]
    cleared = [(a, judge(a, None)) for key, a in alerts.items() if key not in current]
    known = judged.clearings
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
    history = _history(session, alerts, [f.key for f in to_notify if f.escalate])
    told = _queue(
        session,
        channels,
        to_notify,
        told_resolved,
        names,
        as_of,
        now,
        result,
        formats,
        history,
        public_url,
        reply_links,
    )
    seen = [(f, reason) for f, reason in decisions if reason is not Reason.REPLAY]  # a replayed
    # earlier day leaves its alert exactly as it is
    first_seen = [f for f, _ in seen if f.key not in alerts]
    changing = {a.key for a, _, _ in resolved} | {
        f.key
        for f, reason in seen
        if f.key in alerts
        and ((reason.notifies and f.key in told) or not only_seen(alerts[f.key], f, now=now, as_of=as_of))
    }
    mapped = {a.key: a for a in alerts_by_id(session, ids=[alerts[k].id for k in sorted(changing)]).values()}
    mapped.update(opened(session, first_seen, ids, now=now, as_of=as_of))
    quiet = {alerts[f.key].id for f, _ in seen if f.key not in mapped}
    if kept:  # a dry run is rolled back: moving 60,000 rows' "seen" times for nothing costs seconds
        mark_seen(session, ids=sorted(quiet), now=now, as_of=as_of)
    alerts_written = 0
    for finding, reason in seen:
        if finding.key not in mapped:
            continue  # seen again, nothing else changed: marked above
        changed = observe(session, mapped[finding.key], finding, now=now, as_of=as_of)
        if reason.notifies and finding.key in told:
            notified(session, changed, finding, reason, now=now, as_of=as_of)
        alerts_written += 1
        if alerts_written % FLUSH_EVERY == 0:
            session.flush()  # the events written so far, which nothing here holds, can be freed
    for row, reason, note in resolved:
        mark_resolved(session, mapped[row.key], reason, note, now=now, as_of=as_of)
    result.resolved = len(resolved)
    result.notified = len(told & {f.key for f in to_notify})
    result.unrouted = len({f.key for f in to_notify} - told)
    return result


class _Read(NamedTuple):
    """What the alert step reads whatever the findings are (see :func:`_read`)."""

    project_ids: dict[str, int]
    unresolved: dict[str, AlertRow]
    muted: Callable[[Finding], datetime | None]
    channels: list[ChannelFacts]


def _read(session: Session, projects: list[str] | None, now: datetime, as_of: date) -> _Read:
    """The projects' ids, open alerts, silences and channels: read while a worker still judges."""
    ids = {code: i for code, i in load_project_ids(session, codes=projects).items() if i is not None}
    unresolved = unresolved_alerts(session, project_ids=ids.values())
    return _Read(
        ids, unresolved, muting(session, ids, judging_moment(now, as_of)), load_channels(session, list(ids))
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
    formats: FormatOf,
    history: dict[str, list[tuple[date, str]]],
    public_url: str | None,
    reply_links: ReplyLinks | None,
) -> set[str]:
    """Write each channel's messages into the outbox; return the alert keys that reached a channel."""
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
    reported = frozenset(f.key for c, items in routed.items() if c.leadership for f in items)
    written: list[tuple[ChannelFacts, int, Draft, str]] = []  # in order, each dedup key once
    keys_here: set[str] = set()
    for channel, (open_findings, cleared) in by_channel.items():
        project_id = project_ids[channel.project]
        assert project_id is not None
        reply = _reply(session, reply_links, channel, project_id, now) if open_findings else None
        links = _links(session, public_url, channel.project, project_id)
        say = Wording(names[channel.project], as_of, reported, history, links, reply)
        for draft in drafts(channel, open_findings, cleared, formats(channel.kind), say):
            keys = sorted(f"{f.key}@{f.stage}" for f in draft.findings)
            dedup = (
                f"{as_of}/{channel.project}/{channel.code}/"
                + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
            )
            if dedup not in keys_here:
                keys_here.add(dedup)
                written.append((channel, project_id, draft, dedup))
        told.update(f.key for f in open_findings)
    with session.no_autoflush:  # asked once for all of them: nationally, hundreds of messages
        earlier = outbox.queued_among(session, dedup_keys=sorted(keys_here))
    for channel, project_id, draft, dedup in written:
        if dedup in earlier:
            continue
        delivery = outbox.queue_delivery(
            session,
            dedup_key=dedup,
            project_id=project_id,
            channel_id=channel_ids.get((project_id, channel.code)),
            channel_code=channel.code,
            subject=draft.subject,
            body=draft.body,
            text_body=draft.text_body,
            mentions=list(draft.mentions),
            alert_keys=[f.key for f in draft.findings],
            created_at=now,
            next_attempt_at=now,
        )
        result.queued.append(delivery)
        result.deliveries += 1
    if findings and not channels:
        log.warning("项目没有配置任何频道，%d 条提醒无人接收", len(findings))
    return told


def _links(session: Session, public_url: str | None, project: str, project_id: int) -> PageLinks | None:
    """The project's pages on the web interface, which its messages link to (none without an address)."""
    if not public_url:
        return None

    def item_id(batch: str, number: str) -> int | None:
        row = item_by_number(session, project_id=project_id, batch=batch, number=number)
        return row.id if row is not None else None

    return PageLinks(public_url, project, item_id)


def _reply(
    session: Session, links: ReplyLinks | None, channel: ChannelFacts, project_id: int, now: datetime
) -> str | None:
    """A new reply link when the channel reaches one person alone; a group never gets one, since
    anyone reading it could open that person's items."""
    if links is None or channel.leadership or len(channel.members) != 1 or not links.personal(channel.kind):
        return None
    return links.issue(session, project_id=project_id, person=channel.members[0].name, now=now)


def _history(
    session: Session, alerts: dict[str, AlertRow], keys: list[str]
) -> dict[str, list[tuple[date, str]]]:
    """Earlier reminders of the alerts under ``keys`` (those reported to the leaders)."""
    ids = {alert.id: key for key in keys if (alert := alerts.get(key)) is not None and alert.id is not None}
    return {ids[i]: told for i, told in told_days(session, alert_ids=sorted(ids)).items()}
