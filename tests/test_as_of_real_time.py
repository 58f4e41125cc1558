"""``--as-of`` moves the day a plan is judged at, nothing else (issue 16, item 1).

Every operational time — send attempts, rate windows, leases, evidence, collection attempts —
comes from the real clock. These run the CLI as a person does (a real process) against the local
WeCom server, which keeps real time and counts every request over 20 a minute for one robot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from bot.demo.backend import running_backend
from db.models import Alert, CollectionAttempt, Evidence, SendAttempt
from domain.workdays import OFFICE_TZ
from tests.conftest import EXAMPLES
from tests.fakes.wecom_server import FakeWeCom, running
from tests.test_plan_import import MINIMAL

KEY = "key-as-of"
TODAY = datetime.now(UTC).astimezone(OFFICE_TZ).date()
FUTURE = TODAY + timedelta(days=30)


def plan(code: str) -> str:
    """A one-item plan, overdue on every day judged here, told to the one robot ``KEY``."""
    return MINIMAL.replace("code: demo", f"code: {code}").replace("deadline: 10月底", "deadline: 9月底")


@pytest.fixture
def wecom() -> Iterator[FakeWeCom]:
    with running(FakeWeCom(robot_keys={KEY})) as fake:
        yield fake


def duban(
    data: Path, *args: str, env: dict[str, str], timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    clean.update(COLUMNS="200", DUBAN_DATA_DIR=str(data), **env)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=data.parent,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def live(tmp_path: Path, wecom: FakeWeCom, *days: date) -> dict[str, str]:
    """Live delivery to the fake; ``days`` declared working days, whatever the weekday."""
    calendar = tmp_path / "calendar.yaml"
    calendar.write_text("workdays: [" + ", ".join(d.isoformat() for d in days) + "]\n", encoding="utf-8")
    return {
        "DUBAN_DELIVERY": "live",
        "DUBAN_WECOM_API_BASE": wecom.url,
        "DUBAN_WECOM_KEY_DEMO": KEY,
        "DUBAN_CALENDAR_FILE": str(calendar),
    }


def plans(tmp_path: Path, *codes: str) -> list[str]:
    paths = []
    for code in codes:
        path = tmp_path / f"{code}.yaml"
        path.write_text(plan(code), encoding="utf-8")
        paths.append(str(path))
    return paths


def utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def engine_of(data: Path):  # type: ignore[no-untyped-def]
    return create_engine(f"sqlite:///{data / 'duban.db'}")


def test_a_future_as_of_run_leaves_the_next_normal_run_free_to_send(tmp_path: Path, wecom: FakeWeCom) -> None:
    data, env = tmp_path / "data", live(tmp_path, wecom, TODAY, FUTURE)
    duban(data, "import", *plans(tmp_path, "early"), env=env)
    duban(data, "notify", "--as-of", FUTURE.isoformat(), env=env)
    told = len(wecom.robot_messages(KEY))
    assert told >= 1
    with Session(engine_of(data)) as session:
        stamps = [utc(a.at) for a in session.exec(select(SendAttempt))]
        alerts = list(session.exec(select(Alert)))
    assert stamps and all(at <= datetime.now(UTC) for at in stamps), stamps
    # The alert remembers the real time it was told, and the day it was told as of.
    assert alerts and all(a.last_notified_at and utc(a.last_notified_at) <= datetime.now(UTC) for a in alerts)
    assert {a.payload.get("told_on") for a in alerts} == {FUTURE.isoformat()}

    duban(data, "import", *plans(tmp_path, "late"), env=env)
    started = time.monotonic()
    duban(data, "notify", env=env, timeout=60)  # today's code waited on a window stamped a month ahead
    assert time.monotonic() - started < 30
    assert len(wecom.robot_messages(KEY)) > told


def test_two_as_of_runs_back_to_back_keep_twenty_a_minute_per_robot(tmp_path: Path, wecom: FakeWeCom) -> None:
    first, second = date(2023, 10, 12), date(2023, 10, 13)
    data, env = tmp_path / "data", live(tmp_path, wecom, first, second)
    duban(data, "import", *plans(tmp_path, *(f"a{n}" for n in range(11))), env=env)
    duban(data, "notify", "--as-of", first.isoformat(), env=env)
    duban(data, "import", *plans(tmp_path, *(f"b{n}" for n in range(11))), env=env)
    duban(data, "notify", "--as-of", second.isoformat(), env=env, timeout=150)
    received = [r.at for r in wecom.received if r.who == KEY]
    assert len(received) >= 22
    assert wecom.rate_violations == 0
    assert all(
        later - earlier >= timedelta(seconds=60)
        for earlier, later in zip(received, received[20:], strict=False)
    )


def test_evidence_fetched_in_a_replayed_refresh_carries_the_real_date(tmp_path: Path) -> None:
    data, started = tmp_path / "data", datetime.now(UTC)
    with running_backend() as backend:
        env = {"DUBAN_DEMO_BACKEND_URL": backend}
        duban(data, "import", str(EXAMPLES / "wenxi.yaml"), env=env)
        duban(data, "refresh", "--as-of", "2023-10-12", env=env)
    with Session(engine_of(data)) as session:
        fetched = [utc(e.fetched_at) for e in session.exec(select(Evidence))]
        attempts = [utc(a.started_at) for a in session.exec(select(CollectionAttempt))]
    assert fetched and attempts
    assert all(started <= at <= datetime.now(UTC) for at in fetched + attempts), (fetched, attempts)
