"""Crash safety: the service process is SIGKILLed mid-cycle, restarted, and nothing is lost.

The real scheduled jobs (collect-monthly, then daily: evaluate, alert state, outbox, delivery)
run in a child process (:mod:`tests.crash_child`) on a copy of one prepared data directory, with
live delivery to the fake WeCom server and aiosmtpd on 127.0.0.1 and collection from the demo
backend. A reference run without any kill says what must arrive. The crash run is killed four
times — during collection, between evaluation and the outbox write, by the WeCom server right
after it accepted a request, and at a commit during delivery — each time restarted eleven
minutes later (past the lock's and the lease's ten minutes), and finally left to finish.

Then, from the fake servers' own records: every message of the reference run arrived; the only
repeats are parts the channel had accepted at the moment of a kill (docs/delivery.md: at-least-once
per part, one part at most per crash); every figure has its evidence file with the right sha256;
no file in the evidence folder is half-written. The kill points within each stage are chosen by a
seeded random generator (``DUBAN_CRASH_SEED`` to replay another draw).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.demo.backend import running_backend
from bot.settings import Settings
from bot.wiring import App
from db.engine import make_engine
from db.evidence import intact
from db.models import Alert, Delivery, Evidence, Indicator, JobRun, Measurement
from domain.enums import DeliveryStatus, Origin, RunStatus
from domain.workdays import OFFICE_TZ
from jobs.import_plans import import_files
from jobs.lock import current
from tests.conftest import EXAMPLES
from tests.fakes.smtp_server import Mailbox, smtp_server
from tests.fakes.wecom_server import FakeWeCom, Received, running

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2023, 10, 12, 9, 0, 30, tzinfo=OFFICE_TZ)  # a working day; a collect slot is due too
KEYS = {"pianguan": "key-pianguan", "wenxi": "key-wenxi", "zhaohua": "key-zhaohua"}
SEED = int(os.environ.get("DUBAN_CRASH_SEED", "20231012"))


class KillingWeCom(FakeWeCom):
    """Kills the client process right after accepting its ``kill_at``-th request (and before
    answering): the window in which a part was accepted but cannot have been recorded."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kill_pid: int | None = None
        self.kill_at = 0

    def _accept(self, kind: str, who: str, payload: dict[str, Any], at: datetime) -> None:
        super()._accept(kind, who, payload, at)
        if self.kill_pid is not None and len(self.received) >= self.kill_at:
            pid, self.kill_pid = self.kill_pid, None
            os.kill(pid, signal.SIGKILL)


@dataclass
class World:
    wecom: KillingWeCom
    mail: Mailbox
    base: Path
    env: dict[str, str]
    tmp: Path
    kills: list[tuple[str, int]] = field(default_factory=list)  # (where, parts received by then)

    def run(
        self, data: Path, now: datetime, kill: str = "none", *, wecom_kill: int | None = None
    ) -> dict[str, int]:
        report = self.tmp / f"report-{len(self.kills)}-{kill.replace(':', '-')}.json"
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_child", str(data), now.isoformat(), kill, str(report)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if wecom_kill is not None:
            self.wecom.kill_at, self.wecom.kill_pid = len(self.wecom.received) + wecom_kill, child.pid
        _, stderr = child.communicate(timeout=90)
        self.wecom.kill_pid = None
        if kill == "none" and wecom_kill is None:
            assert child.returncode == 0, stderr
            return dict(json.loads(report.read_text()))
        assert child.returncode == -signal.SIGKILL, f"{kill} {wecom_kill}: not killed\n{stderr}"
        self.kills.append((kill if wecom_kill is None else f"wecom:{wecom_kill}", len(self.delivered())))
        return {}

    def delivered(self) -> list[str]:
        """Everything the channels accepted, in order, as comparable text."""
        robot = [_robot_text(r) for r in self.wecom.received]
        # The reference and the crashed run are two databases, so their Message-IDs differ in the
        # part that keeps them unique across databases (notifiers/email.py); the rest must match.
        mail = [
            f"mail {m['Subject']} {m['To']} {re.sub(r'[.][0-9a-f]{12}@', '@', m['Message-ID'])}"
            for m in self.mail.received
        ]
        return robot + mail

    def forget(self) -> None:
        self.wecom.received.clear()
        self.mail.received.clear()


def _robot_text(received: Received) -> str:
    kind = received.payload["msgtype"]
    return f"{received.who} {kind} {received.payload[kind].get('content', '')}"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with (
        running_backend() as backend,
        running(KillingWeCom(robot_keys=set(KEYS.values()))) as wecom,
        smtp_server(tmp_path) as mail,
    ):
        env = {
            **os.environ,
            "DUBAN_DELIVERY": "live",
            "DUBAN_WECOM_API_BASE": wecom.url,
            "DUBAN_SMTP_HOST": "127.0.0.1",
            "DUBAN_SMTP_PORT": str(mail.port),
            "DUBAN_SMTP_SECURITY": "none",
            "DUBAN_SMTP_FROM": "duban@example.com",
            "DUBAN_HTTP_TIMEOUT": "5",
            "DUBAN_DEMO_BACKEND_URL": backend,
            **{f"DUBAN_WECOM_KEY_{code.upper()}": key for code, key in KEYS.items()},
        }
        base = tmp_path / "base"
        app = App.build(Settings(data_dir=base), {})
        app.init_database()
        import_files(app.engine, [EXAMPLES / f"{code}.yaml" for code in KEYS])
        app.engine.dispose()
        yield World(wecom, mail, base, env, tmp_path)


def copy_of(world: World, name: str) -> Path:
    target = world.tmp / name
    shutil.copytree(world.base, target)
    return target


@dataclass(frozen=True)
class Outcome:
    figures: set[tuple[str, str, str | None, float, int]]
    alerts: set[tuple[str, str, str, int]]
    deliveries: Counter[str]


def outcome_of(data: Path) -> Outcome:
    engine = make_engine(f"sqlite:///{data / 'duban.db'}")
    try:
        with Session(engine) as session:
            codes = {i.id: i.code for i in session.exec(select(Indicator))}
            figures = {
                (codes[m.indicator_id], m.month, m.town, m.value, m.revision)
                for m in session.exec(select(Measurement))
            }
            alerts = {(a.key, a.stage, a.state.value, a.notify_count) for a in session.exec(select(Alert))}
            deliveries = Counter(d.status.value for d in session.exec(select(Delivery)))
    finally:
        engine.dispose()
    return Outcome(figures, alerts, deliveries)


def check_evidence(data: Path) -> None:
    """Every figure has sound evidence; no evidence file is half-written; leftovers are unused."""
    root = data / "evidence"
    engine = make_engine(f"sqlite:///{data / 'duban.db'}")
    try:
        with Session(engine) as session:
            rows = {e.id: e for e in session.exec(select(Evidence))}
            for m in session.exec(select(Measurement).where(Measurement.origin == Origin.COLLECTED)):
                assert m.evidence_id in rows, f"figure {m.id} without evidence"
            assert rows and all(intact(root, e) for e in rows.values())
            used = {e.path for e in rows.values()}
            runs = session.exec(select(JobRun).where(JobRun.slot != None)).all()  # noqa: E711
            assert {r.job for r in runs if r.status is RunStatus.SUCCEEDED} == {"collect-monthly", "daily"}
        assert current(engine) is None  # the last run let go of the lock
    finally:
        engine.dispose()
    for path in root.rglob("*"):
        if path.is_dir():
            continue
        relative = path.relative_to(root).as_posix()
        if path.name.startswith(".tmp-"):
            assert relative not in used  # a write cut off by the kill: never renamed, never referenced
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.name.startswith(digest), f"{relative} is not what its name says"


def test_kill_9_anywhere_in_a_cycle_loses_nothing(world: World) -> None:
    reference = copy_of(world, "reference")
    commits = world.run(reference, NOW)
    expected = Counter(world.delivered())
    assert commits["collect"] >= 3 and commits["evaluate"] == 6 and commits["deliver"] >= 10
    assert len(expected) >= 4 and max(expected.values()) == 1  # robots and email, each part once
    world.forget()

    rng = random.Random(SEED)
    crashed = copy_of(world, "crashed")
    at = NOW
    # 1. During collection: at one of its commits, while an evidence file is being written, or
    #    with the files written but not yet flushed to disk.
    at_commit = f"collect:{rng.randint(1, commits['collect'] - 1)}"
    during_collection = rng.choice([at_commit, "rename:1", "sync:1"])
    world.run(crashed, at, during_collection)
    # 2. Findings computed; the alert state and the outbox rows are one transaction, cut off.
    at += timedelta(minutes=11)
    world.run(crashed, at, "evaluate:4")
    assert world.delivered() == []
    # 3. The channel accepts a request, and the process dies before it hears the answer.
    at += timedelta(minutes=11)
    world.run(crashed, at, wecom_kill=rng.randint(1, 4))
    # 4. At a commit of the sender: a claim, a rate-window record or an acceptance.
    at += timedelta(minutes=11)
    world.run(crashed, at, f"deliver:{rng.randint(2, 6)}")
    # 5. Restarted once more, it finishes the slots.
    at += timedelta(minutes=11)
    world.run(crashed, at)

    got = Counter(world.delivered())
    draw = f"seed {SEED}, kills {world.kills}"
    assert set(got) == set(expected), draw  # every due message, nothing else
    repeats = got - expected
    in_flight = {world.delivered()[n - 1] for _, n in world.kills if n > 0}
    assert sum(repeats.values()) <= len(world.kills), draw
    assert set(repeats) <= in_flight, draw  # only a part that was accepted at the moment of a kill
    wecom_kill = next(n for where, n in world.kills if where.startswith("wecom"))
    assert world.delivered()[wecom_kill - 1] in repeats, draw  # window (a) of the guarantee

    want, have = outcome_of(reference), outcome_of(crashed)
    assert have.figures == want.figures  # the same figures, no extra revisions from re-collecting
    assert have.alerts == want.alerts  # the same alert state as a run that never crashed
    assert set(want.deliveries) == {DeliveryStatus.SENT.value} and have.deliveries == want.deliveries
    check_evidence(crashed)
