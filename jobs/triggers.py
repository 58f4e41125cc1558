"""Runs under the run lock, each recorded as one JobRun with its counts.

``run_refresh`` is the manual trigger (terminal and web); ``run_scheduled`` runs one slot of a
scheduled job. Both take the database lock first (:mod:`jobs.lock`), so they never overlap, and
a scheduled slot checks *inside* the lock whether it already ran: a restart or a second trigger
for the same slot finds it handled and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from collectors.base import SourceConfig
from db import outbox, runs
from db.advisory import shared
from domain.enums import RunStatus
from domain.schedule import JobSpec, parse_slot, slot_key
from domain.workdays import OFFICE_TZ
from jobs.context import Context
from jobs.cycle import CycleResult, run_collect, run_cycle, run_deliver, run_evaluate
from jobs.lock import held
from jobs.runs import job_run
from jobs.summary import queue_summaries

log = logging.getLogger(__name__)
Counts = dict[str, int]
HANDLED = (RunStatus.SUCCEEDED, RunStatus.FAILED)  # a failed slot is reported, not retried in a loop


def cycle_counts(result: CycleResult) -> Counts:
    """The numbers a refresh is remembered by: figures, failures, findings, queued, sent, errors."""
    counts: Counts = {}
    if result.collected is not None:
        counts.update(figures=result.collected.figures, failures=len(result.collected.failures))
    counts.update(findings=len(result.evaluated.findings), queued=result.evaluated.deliveries)
    counts.update(sent=result.delivered.sent, errors=result.delivered.retrying + result.delivered.dead)
    return counts


def run_refresh(
    app: Context,
    *,
    as_of: date,
    now: datetime,
    project: str | None = None,
    collect_first: bool = True,
    trigger: str = "manual",
    who: str = "命令行",
    clock: Callable[[], datetime] | None = None,
    on_collected: Callable[[SourceConfig], None] | None = None,
    on_started: Callable[[], None] | None = None,
) -> CycleResult:
    """A manual refresh (collect → evaluate → deliver) under the lock; refused while another runs."""
    with (
        held(app.engine, label=f"立即刷新（{who}）", purpose="refresh", clock=clock or app.clock),
        job_run(app.engine, "refresh", trigger=trigger, as_of=as_of) as counts,
    ):
        if on_started is not None:
            on_started()  # the lock is ours: the web page can say "started" and return
        result = run_cycle(
            app,
            as_of=as_of,
            now=now,
            project=project,
            collect_first=collect_first,
            trigger=trigger,
            on_collected=on_collected,
        )
        counts.update(cycle_counts(result))
    return result


def _collect(app: Context, as_of: date, now: datetime, trigger: str) -> Counts:
    result = run_collect(app, now=now, as_of=as_of, trigger=trigger)
    return {"figures": result.figures, "failures": len(result.failures)}


def _daily(app: Context, as_of: date, now: datetime, trigger: str) -> Counts:
    evaluated = run_evaluate(app, as_of=as_of, now=now, trigger=trigger)
    delivered = run_deliver(app, now=now, trigger=trigger)
    return cycle_counts(CycleResult(None, evaluated, delivered))


def _summary(period: str) -> Callable[[Context, date, datetime, str], Counts]:
    def action(app: Context, as_of: date, now: datetime, trigger: str) -> Counts:
        queued = queue_summaries(
            app.engine,
            period=period,
            as_of=as_of,
            now=now,
            attachments_dir=app.attachments_dir,
            formats=app.channels.format_of,
            calendar=app.calendar,
            policy=app.policy,
        )
        delivered = run_deliver(app, now=now, trigger=trigger)
        return {
            "queued": queued.queued,
            "sent": delivered.sent,
            "errors": delivered.retrying + delivered.dead,
        }

    return action


ACTIONS: dict[str, Callable[[Context, date, datetime, str], Counts]] = {
    "collect-monthly": _collect,
    "daily": _daily,
    "summary-weekly": _summary("week"),
    "summary-monthly": _summary("month"),
}


def run_scheduled(
    app: Context,
    spec: JobSpec,
    *,
    slot: datetime,
    now: datetime,
    trigger: str,
    clock: Callable[[], datetime] | None = None,
) -> Counts | None:
    """Run ``spec`` for ``slot``; None if that slot was already handled. Raises if the lock is busy."""
    key = slot_key(slot)
    as_of = now.astimezone(OFFICE_TZ).date()
    with held(app.engine, label=f"{spec.label}（定时任务）", purpose=spec.id, clock=clock or app.clock):
        if slot_handled(app.engine, spec.id, key):
            return None
        with job_run(app.engine, spec.id, trigger=trigger, as_of=as_of, slot=key) as counts:
            counts.update(ACTIONS[spec.id](app, as_of, now, trigger))
    return counts


def slot_handled(engine: Engine, job: str, key: str) -> bool:
    with Session(engine) as session:
        return runs.slot_handled(session, job=job, slot=key, statuses=HANDLED)


def last_handled(engine: Engine, job: str) -> datetime | None:
    """The latest slot of ``job`` that finished (succeeded or failed), if any."""
    with Session(engine) as session:
        key = runs.last_slot(session, job=job, statuses=HANDLED)
    return parse_slot(key) if key else None


def outbox_due(engine: Engine, now: datetime) -> int:
    with Session(engine) as session:
        return outbox.due_count(session, now=now)


def send_outbox(app: Context, *, now: datetime, clock: Callable[[], datetime] | None = None) -> Counts | None:
    """The outbox sender: sends what is due; None when there was nothing to send.

    On SQLite it takes the run lock (one sender at a time). On PostgreSQL every instance's sender
    runs alongside the others and alongside the leader's jobs: each part is claimed with
    ``FOR UPDATE SKIP LOCKED`` and each robot's rate window is counted under its own lock, so
    delivery goes on while any instance lives.
    """
    if not outbox_due(app.engine, now):
        return None
    if shared(app.engine):
        result = run_deliver(app, now=now, trigger="scheduled")
        return {"sent": result.sent, "errors": result.retrying + result.dead}
    with held(app.engine, label="发送待发消息（定时任务）", purpose="outbox", clock=clock or app.clock):
        result = run_deliver(app, now=now, trigger="scheduled")
    return {"sent": result.sent, "errors": result.retrying + result.dead}
