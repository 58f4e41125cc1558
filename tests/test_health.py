"""``/healthz`` and ``/metrics`` on a real server, and systemd's notifications from ``duban run``.

The numbers a monitor reads must be the database's own: each is compared with a count taken
straight from the tables after one real cycle (collection from the demo backend, evaluation,
queued messages).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from sqlmodel import col, func, select

from bot.demo.backend import running_backend
from bot.wiring import App
from db.engine import session_scope
from db.models import Channel, CollectionAttempt, Delivery, JobRun
from domain.enums import DeliveryStatus
from tests.webkit import county, serving

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = ("高权", "S36", "password", "DUBAN_")  # a person, an indicator code, secrets' names


@pytest.fixture
def site(app: App) -> Iterator[tuple[App, str]]:
    with running_backend() as backend:
        county(app, backend)
        with session_scope(app.engine) as session:  # one message the channel has not taken yet
            channel = session.exec(select(Channel).order_by(Channel.id)).first()
            assert channel is not None
            queued = datetime.now(UTC) - timedelta(minutes=7)
            session.add(
                Delivery(
                    dedup_key="test/health/pending",
                    project_id=channel.project_id,
                    channel_id=channel.id,
                    channel_code=channel.code,
                    subject="待发",
                    body="待发",
                    created_at=queued,
                    next_attempt_at=queued,
                )
            )
        with serving(app) as base:
            yield app, base


def pending_count(app: App) -> int:
    with session_scope(app.engine) as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
        return int(session.exec(query).one())


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.both_databases
def test_healthz_reports_the_database_outbox_and_sources_without_a_login(site: tuple[App, str]) -> None:
    app, base = site
    answer = requests.get(f"{base}/healthz", timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"] == "off"  # `duban web` alone runs no timetable
    assert body["outbox"]["pending"] == pending_count(app) > 0
    assert 7 * 60 <= body["outbox"]["oldest_pending_age_s"] < 9 * 60
    with session_scope(app.engine) as session:
        succeeded = {
            a.source_code for a in session.exec(select(CollectionAttempt).where(col(CollectionAttempt.ok)))
        }
    reported = {s["source"] for s in body["sources"] if s["last_success_at"]}
    assert succeeded and reported == succeeded
    assert not any(word in answer.text for word in PRIVATE)


@pytest.mark.both_databases
def test_metrics_are_the_tables_counts(site: tuple[App, str]) -> None:
    app, base = site
    answer = requests.get(f"{base}/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = metric_samples(answer.text)
    assert samples[("duban_database_up", ())] == 1
    assert samples[("duban_outbox_messages", (("status", "pending"),))] == pending_count(app)
    with session_scope(app.engine) as session:
        runs = session.exec(select(JobRun)).all()
        failed = session.exec(select(CollectionAttempt).where(~col(CollectionAttempt.ok))).all()
        succeeded = session.exec(select(CollectionAttempt).where(col(CollectionAttempt.ok))).all()
    counted = sum(v for (name, _), v in samples.items() if name == "duban_job_runs_total")
    assert counted == len(runs) > 0
    failures = sum(v for (name, _), v in samples.items() if name == "duban_collection_failures_total")
    assert failures == len(failed)
    last = {
        dict(labels)["source"]: value
        for (name, labels), value in samples.items()
        if name == "duban_collection_last_success_timestamp_seconds"
    }
    latest: dict[str, float] = {}
    for attempt in succeeded:
        latest[attempt.source_code] = max(
            latest.get(attempt.source_code, 0.0), attempt.started_at.timestamp()
        )
    assert last and last == latest
    assert not any(word in answer.text for word in PRIVATE)


def test_an_unreachable_database_is_a_503_and_database_up_0(site: tuple[App, str], tmp_path: Path) -> None:
    app, base = site
    healthy = app.engine
    # A database that cannot be opened (its folder does not exist), not a stand-in object.
    app.engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'duban.db'}")
    try:
        answer = requests.get(f"{base}/healthz", timeout=10)
        assert answer.status_code == 503 and answer.json()["database"] == "unreachable"
        samples = metric_samples(requests.get(f"{base}/metrics", timeout=10).text)
        assert samples[("duban_database_up", ())] == 0
    finally:
        app.engine.dispose()
        app.engine = healthy


def test_duban_run_tells_systemd_it_is_ready_beats_the_watchdog_and_says_stopping(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(tmp_path / "notify.sock")
    listener.bind(address)
    listener.settimeout(30)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    environ |= {
        "PYTHONPATH": str(ROOT),
        "NOTIFY_SOCKET": address,
        "WATCHDOG_USEC": "1000000",  # WatchdogSec=1: a heartbeat every half second
    }
    environ.pop("WATCHDOG_PID", None)
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path / "data"), "run"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        received = [listener.recv(4096).decode() for _ in range(4)]
        assert received[0] in {"READY=1\nSTATUS=计划任务运行中", "WATCHDOG=1"}
        assert "READY=1\nSTATUS=计划任务运行中" in received
        assert received.count("WATCHDOG=1") >= 2
        service.send_signal(signal.SIGTERM)
        while (state := listener.recv(4096).decode()) == "WATCHDOG=1":
            pass
        assert state == "STOPPING=1"
        assert service.wait(60) == 0
    finally:
        if service.poll() is None:
            service.kill()
        listener.close()
