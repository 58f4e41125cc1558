"""A run that finds an alert again with nothing new to say about it only records that it saw it.

A national run finds some 60,000 alerts a day, almost all as they were the day before. They are
read as plain rows and marked seen a few hundred at a time (``db.alerts.mark_seen``); only the
alerts that change (told, resolved, reopened, a new due date or person) are loaded
as mapped objects. These tests hold the rows to what a user reads from them — when the alert was
last seen and for which day, and that nothing else moved — and hold the run to loading no object
for an alert it does not change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from bot.clock import office_morning
from bot.wiring import App
from db.alerts import AlertRow, unresolved_alerts
from db.models import Alert, Project
from domain.enums import AlertState
from tests.scenario_world import import_example, make_app, run_day

DAY, NEXT = date(2023, 10, 16), date(2023, 10, 17)  # pianguan: items overdue, then B's remind-3


def alert_rows(app: App) -> dict[str, dict[str, Any]]:
    with Session(app.engine) as session:
        return {a.key: a.model_dump() for a in session.exec(select(Alert))}


@contextmanager
def alerts_loaded() -> Iterator[list[str]]:
    """The keys of the Alert objects the ORM builds while inside."""
    keys: list[str] = []

    def loaded(target: Alert, _context: object) -> None:
        keys.append(target.key)

    event.listen(Alert, "load", loaded)
    try:
        yield keys
    finally:
        event.remove(Alert, "load", loaded)


def pianguan(tmp_path: Path) -> App:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml")
    return app


def test_an_alert_seen_again_records_the_time_and_day_and_nothing_else(tmp_path: Path) -> None:
    app = pianguan(tmp_path)
    run_day(app, DAY, "pianguan")
    before = alert_rows(app)
    result = run_day(app, NEXT, "pianguan")
    after = alert_rows(app)
    told = {key for delivery in result.queued for key in delivery.alert_keys}
    again = {f.key for f in result.findings} & before.keys() - told
    assert again, "the scenario should find alerts again without telling them"
    for key in again:
        assert after[key]["last_seen_at"] == office_morning(NEXT)
        assert after[key]["last_as_of"] == NEXT
        for column in ("state", "stage", "notify_count", "last_notified_at", "first_seen_at", "kind"):
            assert after[key][column] == before[key][column], (key, column)


def test_a_day_run_again_loads_no_alert_object_and_changes_no_row(tmp_path: Path) -> None:
    app = pianguan(tmp_path)
    run_day(app, DAY, "pianguan")
    run_day(app, NEXT, "pianguan")
    before = alert_rows(app)
    with alerts_loaded() as loaded:
        result = run_day(app, NEXT, "pianguan")
    assert not result.queued
    assert loaded == []  # read as rows and marked seen: no mapped object per alert
    assert alert_rows(app) == before  # the same day at the same time: every row as it was


@pytest.mark.both_databases
def test_open_alerts_read_straight_from_the_driver_are_what_the_orm_reads(app: App) -> None:
    """The daily run reads its open alerts past the ORM; every column must come back as the
    mapped object has it: state, aware UTC times, the as-of day and the payload."""
    import_example(app, "pianguan.yaml", "wenxi.yaml")
    run_day(app, DAY)
    run_day(app, date(2023, 10, 25))  # told and escalated alerts among them
    with Session(app.engine) as session:
        ids = list(session.exec(select(Project.id)))
        fast = unresolved_alerts(session, project_ids=[*ids, None])
        mapped = {a.key: a for a in session.exec(select(Alert).where(Alert.state != AlertState.RESOLVED))}
    assert fast.keys() == mapped.keys() and len(fast) > 20
    for key, row in fast.items():
        assert row == AlertRow(*(getattr(mapped[key], name) for name in AlertRow._fields)), key
    assert {type(row.state) for row in fast.values()} == {AlertState}
    told = [row for row in fast.values() if row.last_notified_at is not None]
    assert told and all(row.last_notified_at.tzinfo is not None for row in told)  # type: ignore[union-attr]
    assert any(row.escalated_at for row in fast.values()) and any(
        row.escalated_at is None for row in fast.values()
    )


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_on_postgresql_alerts_seen_again_are_updated_in_place(app: App) -> None:
    """Every open alert is marked seen every day: each row's new version must fit on its own page,
    so PostgreSQL leaves the table's indexes alone (a heap-only update). With full pages, as
    before migration 0024, almost none did, and a national day took twice as long."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from db.alerts import mark_seen

    now = datetime(2026, 10, 16, 1, tzinfo=UTC)
    with Session(app.engine) as session:
        project = Project(code="p", name="某县", county="某县")
        session.add(project)
        session.flush()
        for n in range(3000):  # some 100 pages
            session.add(
                Alert(
                    project_id=project.id,
                    key=f"p/i{n:04d}/year/2026",
                    kind="behind_pace",
                    severity="warning",
                    subject=f"指标 {n} 进度滞后",
                    stage="month-09",
                    state=AlertState.OPEN,
                    payload={"project": "p", "persons": ["张三"], "gap": n * 1.5},
                    first_seen_at=now,
                    last_seen_at=now,
                    last_as_of=date(2026, 10, 15),
                )
            )
        session.commit()
        ids = list(session.exec(select(Alert.id)))
        mark_seen(session, ids=ids, now=now, as_of=date(2026, 10, 16))
        session.commit()
        # The next day's versions fit where the first day's were pruned. The counts are this
        # connection's, not yet handed to the server's statistics: both days'.
        mark_seen(session, ids=ids, now=now, as_of=date(2026, 10, 17))
        updated, in_place = session.exec(
            text(
                "SELECT pg_stat_get_xact_tuples_updated('alert'::regclass), "
                "pg_stat_get_xact_tuples_hot_updated('alert'::regclass)"
            )
        ).one()
    assert updated == 2 * len(ids) == 6000 and in_place == updated
