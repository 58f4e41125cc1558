"""``/healthz`` and ``/metrics``: what a monitor (or nginx, or Prometheus) asks every few seconds.

Neither needs a login: they show counts, times and the codes of projects and sources, never a
person, a figure, a message or a setting. Everything but the rate-limit waits is read from the
database, so every instance reports the same deployment-wide numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db import health
from jobs.rate_window import RATE_WAITS

log = logging.getLogger(__name__)


def scheduler_state(request: Request) -> str:
    """Under ``duban run``: ``leader`` where this instance runs the timetable, ``standby`` where
    another instance does (PostgreSQL, several instances); ``running`` for a scheduler that has no
    say on leading; ``off`` for ``duban web`` or a scheduler that has stopped."""
    scheduler = getattr(request.app.state, "scheduler", None)
    if scheduler is None or not scheduler.running:
        return "off"
    role = getattr(request.app.state, "role", None)
    return str(role()) if role is not None else "running"


async def healthz(request: Request) -> Response:
    """200 with the details while the database answers; 503 (and why) when it does not."""
    engine: Engine = request.app.state.site.app.engine
    now = datetime.now(UTC)
    try:
        with engine.connect() as connection:
            health.reachable(connection)
            oldest = health.oldest_pending(connection)
            depth = health.outbox_depth(connection)
            sources = health.sources(connection)
    except SQLAlchemyError as error:
        log.warning("健康检查：数据库无法访问：%s", type(error).__name__)
        failed = {"status": "error", "database": "unreachable", "scheduler": scheduler_state(request)}
        return JSONResponse(failed, status_code=503, headers={"Cache-Control": "no-store"})
    body: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "scheduler": scheduler_state(request),
        "outbox": {
            "pending": depth.get("pending", 0),
            "dead": depth.get("dead", 0),
            "oldest_pending_at": _iso(oldest),
            "oldest_pending_age_s": None if oldest is None else round((now - oldest).total_seconds()),
        },
        "sources": [
            {"project": s.project, "source": s.source, "last_success_at": _iso(s.last_success)}
            for s in sources
        ],
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    """The Prometheus text format, read afresh from the database at every scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(request.app.state.site.app.engine, scheduler_state(request)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class DatabaseCollector(Collector):
    """The run, outbox and collection tables as metrics, plus this process's rate-limit waits."""

    def __init__(self, engine: Engine, scheduler: str) -> None:
        self.engine, self.scheduler = engine, scheduler

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily("duban_database_up", "1 when the database answers")
        scheduling = GaugeMetricFamily("duban_scheduler_running", "1 where this instance runs the timetable")
        scheduling.add_metric([], 0 if self.scheduler == "off" else 1)
        yield scheduling
        leading = GaugeMetricFamily(
            "duban_scheduler_leader", "1 where this instance is the scheduler leader, 0 on standby or off"
        )
        leading.add_metric([], 1 if self.scheduler in ("leader", "running") else 0)
        yield leading
        waits = CounterMetricFamily(
            "duban_rate_limit_waits", "Waits for a robot's rate window (this process)"
        )
        waits.add_metric([], RATE_WAITS.count)
        yield waits
        waited = CounterMetricFamily(
            "duban_rate_limit_wait_seconds", "Seconds spent waiting for rate windows (this process)"
        )
        waited.add_metric([], RATE_WAITS.seconds)
        yield waited
        try:
            with self.engine.connect() as connection:
                families = list(_database_families(connection))
        except SQLAlchemyError as error:
            log.warning("指标：数据库无法访问：%s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _database_families(connection: Any) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
    runs = CounterMetricFamily("duban_job_runs", "Job runs by job and outcome", labels=["job", "status"])
    seconds = CounterMetricFamily(
        "duban_job_run_seconds", "Summed duration of finished job runs", labels=["job", "status"]
    )
    for total in health.run_totals(connection):
        runs.add_metric([total.job, total.status], total.runs)
        seconds.add_metric([total.job, total.status], total.seconds)
    yield runs
    yield seconds
    depth = health.outbox_depth(connection)
    outbox = GaugeMetricFamily("duban_outbox_messages", "Messages in the outbox by status", labels=["status"])
    for status in ("pending", "sent", "dead"):
        outbox.add_metric([status], depth.get(status, 0))
    yield outbox
    oldest = health.oldest_pending(connection)
    age = GaugeMetricFamily("duban_outbox_oldest_pending_seconds", "Age of the oldest unsent message")
    age.add_metric([], 0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds())
    yield age
    failures = CounterMetricFamily(
        "duban_collection_failures", "Failed collection attempts", labels=["project", "source"]
    )
    last = GaugeMetricFamily(
        "duban_collection_last_success_timestamp_seconds",
        "When each source last collected successfully (Unix time)",
        labels=["project", "source"],
    )
    for source in health.sources(connection):
        failures.add_metric([source.project, source.source], source.failures)
        if source.last_success is not None:
            last.add_metric([source.project, source.source], source.last_success.timestamp())
    yield failures
    yield last


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
