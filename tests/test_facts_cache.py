"""Facts kept between runs are exactly what loading again would give (db/facts_cache.py).

A kept copy is used only while its project's stamp is the one read before it was loaded; the
triggers of migration 0023 move that stamp on every write to a row the facts are read from. These
tests write to each of those tables and check that only the project written to loads again, that a
figure recorded after a run is seen, and that a copy that cannot be trusted (other code, another
class, an uncommitted change) is never used.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.wiring import App
from db import facts_cache
from db.engine import session_scope
from db.facts_cache import kept_facts
from db.facts_loader import _load, load_projects
from jobs.manual import record_figure
from tests.scenario_world import import_example
from tests.test_quiet_rerun import DEMO, at

DAY = date(2023, 10, 16)


def stamps(app: App) -> dict[str, int]:
    with session_scope(app.engine) as session:
        rows = session.execute(
            text("SELECT p.code, s.stamp FROM project p JOIN factsstamp s ON s.project_id = p.id")
        )
        return dict(rows.all())  # type: ignore[arg-type]


def hits(app: App) -> set[int]:
    """The projects whose kept copy is valid right now."""
    with Session(app.engine) as session:
        ids = list(session.execute(text("SELECT id FROM project")).scalars())
        return set(kept_facts(session, ids).facts)


def fresh(app: App) -> list:  # type: ignore[type-arg]
    with Session(app.engine) as session:
        return _load(session, None)


def loaded(app: App) -> list:  # type: ignore[type-arg]
    with Session(app.engine) as session:
        return load_projects(session)


@pytest.fixture
def counties(app: App) -> App:
    """The six example plans, with a few figures recorded by hand, and no copy kept yet."""
    import_example(app, *DEMO)
    for project, indicator, month, value in FIGURES:
        record_figure(
            app, project=project, indicator=indicator, month=month, value=value, unit=None,
            cumulative=False, evidence=None, note=None, now=at(DAY, 9),
        )  # fmt: skip
    return app


FIGURES = [
    ("wenxi", "S36", "2023-07", 180), ("wenxi", "S36", "2023-08", 230), ("pianguan", "P04", "2023-09", 31),
]  # fmt: skip


@pytest.mark.both_databases
def test_a_second_load_reads_the_kept_copies_and_equals_loading_again(counties: App) -> None:
    assert hits(counties) == set()
    first = loaded(counties)
    with session_scope(counties.engine) as session:
        every = set(session.execute(text("SELECT id FROM project")).scalars())
    assert len(first) == len(every) >= 5 and hits(counties) == every
    second = loaded(counties)
    assert second == first == fresh(counties)
    assert [p.code for p in second] == sorted(p.code for p in second)
    assert sum(len(i.values) for p in second for i in p.indicators) == len(FIGURES)


# One write per table the facts are read from, to 偏关's rows only.
WRITES = {
    "project": "UPDATE project SET name = name || '' WHERE code = 'pianguan'",
    "indicator": "UPDATE indicator SET name = name || '' WHERE project_id = {pid}",
    "indicatortarget": "INSERT INTO indicatortarget (indicator_id, year, town, value) "
    "SELECT min(id), 2024, NULL, 1 FROM indicator WHERE project_id = {pid}",
    "measurement": "DELETE FROM measurement WHERE id = (SELECT min(m.id) FROM measurement m "
    "JOIN indicator i ON i.id = m.indicator_id WHERE i.project_id = {pid})",
    "rectificationitem": "UPDATE rectificationitem SET problem = problem || '' WHERE project_id = {pid}",
    "source": "INSERT INTO source (project_id, code, kind, name, settings) "
    "VALUES ({pid}, 'extra', 'html_table', '数据后台', '{{}}')",
    "collectionattempt": "INSERT INTO collectionattempt (project_id, source_code, started_at, ok, "
    "figures) VALUES ({pid}, 'backend', '2023-10-16 01:00:00', {false}, 0)",
    "reportfiling": "INSERT INTO reportfiling (project_id, source_code, month, filed, checked_at) "
    "VALUES ({pid}, 'mofcom', '2023-09', {true}, '2023-10-16 01:00:00')",
}


@pytest.mark.both_databases
@pytest.mark.parametrize("table", sorted(WRITES))
def test_a_write_to_a_project_rows_makes_only_that_project_load_again(counties: App, table: str) -> None:
    loaded(counties)
    with session_scope(counties.engine) as session:
        pid = session.execute(text("SELECT id FROM project WHERE code = 'pianguan'")).scalar_one()
    before, valid = stamps(counties), hits(counties)
    assert pid in valid
    postgres = counties.engine.dialect.name == "postgresql"
    sql = WRITES[table].format(pid=pid, true="true" if postgres else "1", false="false" if postgres else "0")
    with session_scope(counties.engine) as session:
        assert session.execute(text(sql)).rowcount >= 1  # type: ignore[attr-defined]
    after = stamps(counties)
    assert {code for code in after if after[code] != before[code]} == {"pianguan"}
    assert hits(counties) == valid - {pid}
    assert loaded(counties) == fresh(counties)
    assert pid in hits(counties)  # loaded again, and kept again


@pytest.mark.both_databases
def test_a_figure_recorded_after_a_run_is_seen(counties: App) -> None:
    before = next(p for p in loaded(counties) if p.code == "wenxi")
    record_figure(
        counties, project="wenxi", indicator="S36", month="2023-09", value=260, unit=None,
        cumulative=False, evidence=None, note=None, now=at(DAY, 10),
    )  # fmt: skip
    after = next(p for p in loaded(counties) if p.code == "wenxi")
    figure = next(i for i in after.indicators if i.code == "S36").values
    assert ("2023-09", 260) in [(v.month, v.value) for v in figure]
    assert after != before and loaded(counties) == fresh(counties)


@pytest.mark.both_databases
def test_a_change_never_committed_is_never_kept(counties: App) -> None:
    """Facts loaded inside a transaction that then rolls back must not outlive it."""
    loaded(counties)
    with Session(counties.engine) as session:
        session.execute(text("UPDATE project SET name = '幻影' WHERE code = 'pianguan'"))
        phantom = next(p for p in load_projects(session) if p.code == "pianguan")
        assert phantom.name == "幻影"
        session.rollback()
    assert all(p.name != "幻影" for p in loaded(counties))
    with session_scope(counties.engine) as session:  # a later change to the same project
        session.execute(text("UPDATE project SET county = county || '' WHERE code = 'pianguan'"))
    assert all(p.name != "幻影" for p in loaded(counties))
    assert loaded(counties) == fresh(counties)


class Exploit:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("touch /tmp/duban-facts-cache-exploit",))


@pytest.mark.both_databases
def test_a_copy_from_other_code_or_holding_anything_but_facts_is_not_used(
    counties: App, caplog: pytest.LogCaptureFixture
) -> None:
    loaded(counties)
    every = hits(counties)
    with session_scope(counties.engine) as session:
        session.execute(text("UPDATE factscache SET version = 'other code'"))
    assert hits(counties) == set()
    assert loaded(counties) == fresh(counties) and hits(counties) == every

    with session_scope(counties.engine) as session:
        pid = session.execute(text("SELECT id FROM project WHERE code = 'zhaohua'")).scalar_one()
        session.execute(
            text("UPDATE factscache SET facts = :blob WHERE project_id = :pid"),
            {"blob": pickle.dumps(Exploit()), "pid": pid},
        )
    with caplog.at_level(logging.WARNING):
        assert hits(counties) == every - {pid}
    assert not os.path.exists("/tmp/duban-facts-cache-exploit")
    assert "事实缓存无法读取" in caplog.text
    assert loaded(counties) == fresh(counties)


def test_the_version_follows_the_code_that_builds_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy names the code that wrote it: another checkout's facts are never read as this one's."""
    for name in facts_cache._BUILDERS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(facts_cache._ROOT / name, tmp_path / name)
    monkeypatch.setattr(facts_cache, "_ROOT", tmp_path)
    assert facts_cache._code_version() == facts_cache.VERSION  # the same code, the same version
    loader = tmp_path / "db" / "facts_loader.py"
    loader.write_text(loader.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = facts_cache._code_version()
    assert changed != facts_cache.VERSION and changed == facts_cache._code_version()
    loader.unlink()  # no source to tell by: a version of this process alone
    assert facts_cache._code_version() != facts_cache._code_version()
