"""Not every finding that goes away is good news: only a real fix sends "已解决"."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from sqlmodel import Session, select

from db.models import Alert, AlertEvent
from domain.enums import AlertState, ItemStatus
from domain.facts import ItemFacts, ProjectFacts
from domain.resolutions import LAPSED, Clearing, clearing_for, clearings
from jobs.import_plans import import_files
from tests.scenario_world import EXAMPLES, import_example, make_app, run_day


def item(number: str, status: ItemStatus, deadline: date | None = date(2023, 10, 20)) -> ItemFacts:
    return ItemFacts(
        "p", "", number, "问题", ("高权",), (), deadline, None, False, status, date(2023, 10, 18), "已整改"
    )


def test_clearings_say_why():
    facts = [
        ProjectFacts(
            "p", "项目", None, None, items=(item("1", ItemStatus.CLOSED), item("2", ItemStatus.OPEN))
        )
    ]
    found = clearings(facts)
    closed = Clearing("已于2023年10月18日销号，整改结果：已整改")
    assert clearing_for("p/item/-/1/deadline/2023-10-20", found) == closed
    moved = clearing_for("p/item/-/2/deadline/2023-10-15", found)
    assert moved.quiet and "2023-10-20" in moved.note
    assert clearing_for("p/indicator/S36/year/2023", found, "target_missed", "missed") is LAPSED
    assert (
        clearing_for("p/indicator/S36/year/2023", found, "behind_pace", "month-07").note == "已赶上序时进度"
    )


def test_equal_clearings_are_one_object_so_a_workers_half_pickles_each_note_once():
    """A national worker sends 40,000 subjects' clearings back to its parent; with one object per
    distinct note the pickle holds a few hundred notes, not one per subject."""
    items = tuple(item(str(n), ItemStatus.CLOSED) for n in range(1, 51)) + tuple(
        item(str(n), ItemStatus.OPEN) for n in range(51, 101)
    )
    found = clearings([ProjectFacts("p", "项目", None, None, items=items)])
    assert len(found) == 100 and len(set(found.values())) == 2
    assert len({id(how) for how in found.values()}) == 2
    assert pickle.loads(pickle.dumps(found)) == found


@pytest.mark.both_databases
def test_a_moved_deadline_closes_the_old_alert_without_a_resolution(tmp_path, database):
    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    assert run_day(app, date(2023, 10, 13), "pianguan").queued  # 问题13: remind-5 for 10-20
    moved = tmp_path / "pianguan.yaml"
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8")
    moved.write_text(text.replace("2023 年 10 月 20 日", "2023 年 10 月 27 日"), encoding="utf-8")
    import_files(app.engine, [moved])
    told = {k for d in run_day(app, date(2023, 10, 16), "pianguan").queued for k in d.alert_keys}
    assert not [k for k in told if k.startswith("pianguan/item/-/13/")]
    with Session(app.engine) as session:
        old = session.exec(select(Alert).where(Alert.key == "pianguan/item/-/13/deadline/2023-10-20")).one()
        last = session.exec(
            select(AlertEvent).where(AlertEvent.alert_id == old.id).order_by(AlertEvent.id.desc())
        ).first()
    assert old.state is AlertState.RESOLVED and last is not None
    assert last.event == "resolved" and "整改时限已调整为 2023-10-27" in last.reason


@pytest.mark.both_databases
def test_close_item_on_the_command_line_sends_its_resolution_at_once(tmp_path, database):
    from click.testing import CliRunner

    from bot.cli import main

    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    assert run_day(app, date(2023, 10, 16), "pianguan").queued  # all 14 overdue, told
    data = ["--data-dir", str(tmp_path / "data"), "--env-file", str(tmp_path / "none.env")]
    closed = CliRunner(env={"DUBAN_DATABASE_URL": database or ""}).invoke(
        main,
        [*data, "close-item", "2", "--project", "pianguan", "--result", "已拨付", "--as-of", "2023-10-16"],
    )
    assert closed.exit_code == 0, closed.output
    assert "1 项已解决" in closed.output
    with Session(app.engine) as session:
        alert = session.exec(select(Alert).where(Alert.key == "pianguan/item/-/2/deadline/2023-10-15")).one()
        assert alert.state is AlertState.RESOLVED
    later = [k for d in run_day(app, date(2023, 10, 17), "pianguan").queued for k in d.alert_keys]
    assert not [k for k in later if k.startswith("pianguan/item/-/2/")]  # exactly one resolution
