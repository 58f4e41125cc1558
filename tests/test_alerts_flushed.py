"""A province's first day writes some 57,000 alerts and twice as many events in one transaction;
what its alerts record is flushed every :data:`jobs.evaluate.FLUSH_EVERY` alerts written, so the session
does not hold every event until the commit (national: 1,178 → 892 MB). Flushing part-way must not
change a single row: the same three examples over three days, flushed after every alert written and
only at the commit, leave the same alerts, events and outbox.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from db.models import Alert, AlertEvent, Delivery
from jobs import evaluate
from tests.scenario_world import import_example, make_app, run_day

DAYS = (date(2023, 10, 12), date(2023, 10, 16), date(2023, 10, 23))  # open, tell, resolve and remind


def written(tmp_path: Path) -> dict[str, list[Any]]:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    for day in DAYS:
        run_day(app, day)
    with Session(app.engine) as session:
        rows = {
            "alerts": [a.model_dump() for a in session.exec(select(Alert).order_by(Alert.id))],
            "events": [e.model_dump() for e in session.exec(select(AlertEvent).order_by(AlertEvent.id))],
            "outbox": [
                {**d.model_dump(exclude={"uid"}), "attachments": d.attachments}
                for d in session.exec(select(Delivery).order_by(Delivery.id))
            ],
        }
    app.engine.dispose()
    return rows


def test_flushing_every_finding_writes_what_one_flush_at_the_commit_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_commit = written(tmp_path / "once")
    monkeypatch.setattr(evaluate, "FLUSH_EVERY", 1)
    every = written(tmp_path / "every")
    assert len(at_commit["events"]) > 100 and len(at_commit["outbox"]) > 3
    for table in ("alerts", "events", "outbox"):
        assert every[table] == at_commit[table], table
