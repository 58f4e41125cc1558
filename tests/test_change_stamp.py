"""The change stamp counts every change the evaluation reads, and none the evaluation makes itself.

Skipping a run is exact only if every input of the evaluation is watched: these tests fail when a
table has neither triggers nor a stated reason (a table added later is not forgotten), when the
evaluation reads a table that is not watched, or when a trigger is missing in the database.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import SQLModel

import db.models  # noqa: F401  (every table, in SQLModel's metadata)
from bot.wiring import App
from db.change_stamp import PARTLY, UNWATCHED, WATCHED, current_stamp
from db.engine import session_scope
from domain.workdays import OFFICE_TZ
from jobs import acks
from jobs.manual import close_item, record_figure
from tests.scenario_world import import_example, run_day
from tests.test_quiet_rerun import DAY, DEMO
from tests.test_quiet_rerun import at as quiet_at

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def at(hour: int) -> datetime:
    return quiet_at(DAY, hour)


def stamp(app: App) -> int:
    with session_scope(app.engine) as session:
        return current_stamp(session)


def test_every_table_is_watched_or_says_why_not() -> None:
    tables = set(SQLModel.metadata.tables)
    lists = [set(WATCHED), set(PARTLY), set(UNWATCHED)]
    assert sum(map(len, lists)) == len(set().union(*lists)), "a table is in two lists"
    assert tables == set().union(*lists), "a table is in no list of db/change_stamp.py"


def test_every_table_the_evaluation_reads_is_watched(app: App) -> None:
    import_example(app, *DEMO)
    statements: list[str] = []  # as SQLite runs them: the figures are read through the driver's cursor
    app.engine.dispose()
    event.listen(app.engine, "connect", lambda raw, _: raw.set_trace_callback(statements.append))
    run_day(app, DAY)
    run_day(app, date(2023, 10, 25))  # escalations read the history of earlier reminders
    read = {name.lower() for sql in statements for name in TABLE.findall(sql)}
    read &= set(SQLModel.metadata.tables)
    assert {"measurement", "indicator", "rectificationitem", "alert", "channel"} <= read
    # The kept copies of facts are read too; they only ever hold what watched tables held.
    assert read - WATCHED - set(PARTLY) - {"factsstamp", "factscache"} == set()


@pytest.mark.both_databases
def test_every_watched_table_has_its_triggers(app: App) -> None:
    with app.engine.connect() as connection:
        if app.engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        names = set(connection.execute(text(query)).scalars())
    if app.engine.dialect.name == "postgresql":
        expected = {f"changestamp_{table}" for table in WATCHED}
    else:
        expected = {f"changestamp_{table}_{op}" for table in WATCHED for op in ("insert", "update", "delete")}
    expected |= {f"changestamp_{table}_{op}" for table, op in PARTS}
    assert expected <= names


PARTS = [("alert", "delete"), ("alertevent", "insert"), ("alertevent", "update"), ("alertevent", "delete"),
         ("delivery", "delete"), ("delivery", "dedup")]  # fmt: skip


@pytest.mark.both_databases
def test_others_move_the_stamp_and_the_evaluation_does_not(app: App) -> None:
    before = stamp(app)
    import_example(app, *DEMO)
    assert stamp(app) > before, "importing plans is news"

    moved = stamp(app)
    run_day(app, DAY)
    run_day(app, date(2023, 10, 25))
    assert stamp(app) == moved, "the evaluation's own alerts, events and digests are not news"

    record_figure(
        app, project="wenxi", indicator="S36", month="2023-09", value=260, unit=None,
        cumulative=False, evidence=None, note=None, now=at(10),
    )  # fmt: skip
    assert stamp(app) > moved
    moved = stamp(app)

    with session_scope(app.engine) as session:
        key = session.exec(text("SELECT key FROM alert WHERE state = 'open' ORDER BY key")).first()[0]  # type: ignore[call-overload]
    project = key.split("/")[0]
    with session_scope(app.engine) as session:
        acks.acknowledge(session, project=project, key=key, reason="正在整改", actor="高权", now=at(11))
    assert stamp(app) > moved
    moved = stamp(app)

    with session_scope(app.engine) as session:
        until = datetime(2023, 10, 20, tzinfo=OFFICE_TZ)
        acks.silence(
            session, project=project, key=key, until=until, reason="等待批复", actor="高权", now=at(12)
        )
    assert stamp(app) > moved
    moved = stamp(app)

    close_item(app, project="pianguan", batch="", number="2", result="已整改到位", evidence=None, now=at(13))
    assert stamp(app) > moved


def test_every_evaluation_that_writes_goes_through_run_evaluate() -> None:
    """The evaluation's own writes do not move the stamp, so an evaluation that kept its writes
    without :func:`jobs.unchanged.evaluate_remembered` forgetting the mark first could leave a mark
    that no longer describes the alerts; only ``run_evaluate`` (and read-only dry runs) may judge."""
    root = Path(__file__).resolve().parents[1]
    callers = {
        path.relative_to(root).as_posix()
        for folder in ("bot", "jobs", "db", "collectors", "notifiers")
        for path in (root / folder).rglob("*.py")
        if "evaluate_and_queue(" in path.read_text(encoding="utf-8")
    }
    assert callers == {"jobs/evaluate.py", "jobs/cycle.py"}
    writers = [
        line.strip()
        for path in (root / "bot").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "evaluate_with(" in line and "dry_run=True" not in line
    ]
    assert writers == []
