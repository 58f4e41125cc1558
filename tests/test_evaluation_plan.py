"""Plan data the evaluation needs — pace curve, growth base and reference, alert settings — from
the YAML file through the importer and the database into the facts; and migration 0004."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from db.engine import alembic_config, make_engine, session_scope, upgrade
from db.facts_loader import load_projects
from domain.errors import PlanFileError
from jobs.import_plans import import_files
from tests.scenario_world import make_app

PLAN = """
project: {code: qinxian, name: 沁县乡村e镇, county: 沁县, plan_start: 2022-01-01, plan_end: 2025-12-31}
alerts: {reminder_workdays: [10, 5, 1, 0], escalate_after_workdays: 5, checkin_every_months: 3}
indicators:
  - {code: Q1, name: 网络零售额, unit: 万元, target: 12000,
     pace: [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100]}
  - {code: Q1g, name: 网络零售额同比增长率, kind: growth, unit: "%", target: 2, base: Q1, reference: CITY}
  - {code: CITY, name: 长治市网络零售额平均增速, unit: "%", target: 0}
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "qinxian.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.both_databases
def test_plan_data_reaches_the_facts(tmp_path, database):
    app = make_app(tmp_path, database_url=database)
    import_files(app.engine, [write(tmp_path, PLAN)])
    with session_scope(app.engine) as session:
        (facts,) = load_projects(session, ["qinxian"])
    by_code = {i.code: i for i in facts.indicators}
    assert by_code["Q1"].pace[2] == 20 and by_code["Q1g"].base == "Q1" and by_code["Q1g"].reference == "CITY"
    assert facts.settings.reminder_workdays == (10, 5, 1, 0)
    assert (facts.settings.escalate_after_workdays, facts.settings.checkin_every_months) == (5, 3)
    assert facts.plan_start == date(2022, 1, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("pace: [5, 10, 20,", "pace: [20,"), "12 个月"),
        (("pace: [5, 10, 20,", "pace: [5, 4, 20,"), "逐月不减"),
        (("95, 100]", "95, 99]"), "应为 100"),
        (("reference: CITY", "reference: TOWN"), "reference TOWN 不在 indicators 中"),
        (("kind: growth, unit", "unit"), "只用于增速类指标"),
        (("escalate_after_workdays: 5", "escalate_after_workdays: -1"), "escalate_after_workdays"),
    ],
)
def test_bad_plan_data_is_refused_with_a_clear_message(tmp_path, change, message):
    app = make_app(tmp_path)
    with pytest.raises(PlanFileError, match=message):
        import_files(app.engine, [write(tmp_path, PLAN.replace(*change))])


def test_migration_0004_upgrades_a_database_with_rows(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO project (code, name, county, programme, timezone, updated_at) "
                "VALUES ('old', '旧项目', '某县', '乡村e镇', 'Asia/Shanghai', '2023-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO indicator (project_id, code, name, kind, binding, comparator, period, done, "
                "responsible_persons) "
                "VALUES (1, 'S1', '指标', 'numeric', 'binding', 'ge', 'per_year', false, '[]')"
            )
        )
    upgrade(engine)
    with session_scope(engine) as session:
        (facts,) = load_projects(session)
    assert facts.indicators[0].pace == () and facts.settings.reminder_workdays is None
    command.downgrade(alembic_config(engine), "0001")


@pytest.mark.both_databases
def test_the_loader_keeps_the_latest_revision_and_town_figures(tmp_path, database):
    from sqlmodel import select

    from db.measurements import record_measurement
    from db.models import Indicator
    from domain.enums import Origin

    app = make_app(tmp_path, database_url=database)
    import_files(app.engine, [write(tmp_path, PLAN)])
    with session_scope(app.engine) as session:
        q1 = session.exec(select(Indicator).where(Indicator.code == "Q1")).one()
        for month, value, town in [
            ("2023-02", 90.0, None), ("2023-01", 100.0, None), ("2023-01", 110.0, None),
            ("2023-01", 7.0, "城关镇"), ("2023-01", 8.0, "城关镇"),
        ]:  # fmt: skip
            record_measurement(
                session, indicator=q1, month=month, value=value, unit="万元", origin=Origin.MANUAL, town=town
            )
    with session_scope(app.engine) as session:
        (facts,) = load_projects(session, ["qinxian"])
    q1_facts = next(i for i in facts.indicators if i.code == "Q1")
    assert [(v.month, v.value) for v in q1_facts.values] == [("2023-01", 110.0), ("2023-02", 90.0)]
    assert [(v.month, v.value) for v in q1_facts.town_values["城关镇"]] == [("2023-01", 8.0)]
    assert q1_facts.sources == ("manual",)
