"""The whole cycle, as the scheduler and ``duban refresh`` run it: collect → evaluate → deliver.

``now`` is always the real time of the run (the application's clock; a test's simulated one):
attempts, rate windows, leases, evidence and run records are stamped with it. ``as_of`` is the
day the plan is judged at and nothing else; the application never derives ``now`` from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from jobs.context import Context
from jobs.deliver import DeliverResult, deliver_pending
from jobs.evaluate import EvaluateResult, evaluate_and_queue
from jobs.reply_links import ReplyLinks
from jobs.runs import job_run
from jobs.unchanged import evaluate_remembered, skipped, unchanged_since_last

if TYPE_CHECKING:  # the collectors and their parsers (openpyxl …) load only when a run collects
    from collectors.base import SourceConfig
    from jobs.collect import Collector, CollectResult


@dataclass
class CycleResult:
    collected: CollectResult | None
    evaluated: EvaluateResult
    delivered: DeliverResult


def run_collect(
    app: Context,
    *,
    now: datetime,
    as_of: date | None = None,
    project: str | None = None,
    source: str | None = None,
    month: str | None = None,
    trigger: str = "manual",
    on_done: Callable[[SourceConfig], None] | None = None,
) -> CollectResult:
    from db.advisory import shared
    from jobs.collect import collect
    from jobs.collect_spread import collect_spread

    with job_run(app.engine, "collect", trigger=trigger) as counts:
        if shared(app.engine):  # several instances may share the work (docs/service.md)
            result = collect_spread(
                app.engine,
                collector_of(app),
                now=now,
                clock=app.clock,
                deadline=app.collect_deadline,
                as_of=as_of,
                project=project,
                source=source,
                month=month,
                on_done=on_done,
            )
        else:
            result = collect(
                app.engine,
                app.registry,
                app.collector_env,
                app.evidence_dir,
                now=now,
                as_of=as_of,
                environ=app.environ,
                secret_variables=app.secret_variables,
                project=project,
                source=source,
                month=month,
                on_done=on_done,
            )
        counts.update(
            sources=result.sources,
            figures=result.figures,
            filings=result.filings,
            failures=len(result.failures),
        )
    return result


def collector_of(app: Context) -> Collector:
    """How this instance collects one source: its collectors, HTTP client and secrets."""
    from jobs.collect import Collector

    return Collector(app.registry, app.collector_env, app.evidence_dir, app.environ, app.secret_variables)


def evaluate_with(
    app: Context, *, as_of: date, now: datetime, project: str | None = None, dry_run: bool = False
) -> EvaluateResult:
    """Evaluate and queue with the app's calendar, policies and channel formats (no run record)."""
    return evaluate_and_queue(
        app.engine,
        as_of=as_of,
        now=now,
        calendar=app.calendar,
        policy=app.policy,
        alert_policy=app.alert_policy,
        projects=[project] if project else None,
        dry_run=dry_run,
        formats=app.channels.format_of,
        public_url=app.public_url,
        reply_links=(
            ReplyLinks(app.public_url, app.reply_link_days, app.channels.personal) if app.public_url else None
        ),
    )


def run_evaluate(
    app: Context,
    *,
    as_of: date,
    now: datetime,
    project: str | None = None,
    trigger: str = "manual",
    force: bool = False,
) -> EvaluateResult:
    """Judge and queue, unless nothing changed since the last evaluation (``force`` judges anyway)."""
    with job_run(app.engine, "evaluate", trigger=trigger, as_of=as_of) as counts:
        quiet = None if force else unchanged_since_last(app, as_of=as_of, now=now, project=project)
        if quiet is not None:
            counts.update(skipped=1, findings=quiet.findings)
            return skipped(quiet)
        evaluate = partial(evaluate_with, app, as_of=as_of, now=now, project=project)
        result = evaluate_remembered(app, evaluate, as_of=as_of, now=now, project=project)
        counts.update(
            findings=len(result.findings),
            notified=result.notified,
            resolved=result.resolved,
            queued=result.deliveries,
        )
    return result


def run_deliver(app: Context, *, now: datetime, trigger: str = "manual") -> DeliverResult:
    with job_run(app.engine, "deliver", trigger=trigger) as counts:
        result = deliver_pending(
            app.engine,
            app.notifier_for,
            now=now,
            admin=app.admin_route(),
            formats=app.channels.format_of,
            lease=app.outbox_lease,
        )
        counts.update(
            sent=result.sent, retrying=result.retrying, dead=result.dead, admin_alerts=result.admin_alerts
        )
    return result


def run_cycle(
    app: Context,
    *,
    as_of: date,
    now: datetime,
    project: str | None = None,
    collect_first: bool = True,
    trigger: str = "manual",
    on_collected: Callable[[SourceConfig], None] | None = None,
    force: bool = False,
) -> CycleResult:
    collected = (
        run_collect(app, now=now, as_of=as_of, project=project, trigger=trigger, on_done=on_collected)
        if collect_first
        else None
    )
    evaluated = run_evaluate(app, as_of=as_of, now=now, project=project, trigger=trigger, force=force)
    delivered = run_deliver(app, now=now, trigger=trigger)
    return CycleResult(collected, evaluated, delivered)
