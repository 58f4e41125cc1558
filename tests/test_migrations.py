"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL, and
bring a database at the first schema, with rows in it, up to the current one without losing them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import db.models  # noqa: F401
from bot.settings import Settings
from bot.wiring import App
from db.engine import HEAD_REVISION, alembic_config, make_engine, schema_revisions, upgrade
from db.facts_loader import load_projects
from db.models import Alert, Delivery, Indicator, JobRun, Measurement, Project, Silence, UserRole, WebUser
from domain.enums import AlertState
from jobs.import_plans import import_files
from tests.conftest import BACKENDS, EXAMPLES
from tests.postgres import Databases, fresh_database
from tests.scenario_world import run_day

T0 = datetime(2023, 9, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    databases: Databases = request.getfixturevalue("postgres_databases")
    with fresh_database(databases, migrated=False) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_match_the_models(empty: Engine) -> None:
    upgrade(empty)
    upgrade(empty)  # an up-to-date database is left as it is
    assert differences(empty) == []


def test_the_head_revision_constant_is_alembics_head() -> None:
    """``upgrade`` skips Alembic when the database is at HEAD_REVISION: it must be the real head."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_heads()
    assert heads == [HEAD_REVISION]


def test_a_current_database_is_checked_without_loading_alembic(empty: Engine) -> None:
    """Every command checks the schema first; when it is current that costs one query, not Alembic."""
    assert schema_revisions(empty) == frozenset()
    upgrade(empty)
    assert schema_revisions(empty) == {HEAD_REVISION}
    url = empty.url.render_as_string(hide_password=False)
    code = (
        f"import sys; from db.engine import make_engine, upgrade; upgrade(make_engine({url!r})); "
        "assert 'alembic' not in sys.modules, 'Alembic was loaded'"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr


def test_processes_upgrading_at_once_wait_for_each_other(empty: Engine) -> None:
    """Every command upgrades first: three starting together on a new version must all work."""
    url = empty.url.render_as_string(hide_password=False)
    code = f"from db.engine import make_engine, upgrade; upgrade(make_engine({url!r}))"
    children = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    failures = [err for child in children if (err := child.communicate(timeout=60)[1]) and child.returncode]
    assert failures == []
    assert differences(empty) == []


def test_a_database_at_the_first_schema_keeps_its_rows(empty: Engine, tmp_path: Path) -> None:
    command.upgrade(alembic_config(empty), "0001")
    _fill_first_schema(empty)
    upgrade(empty)
    assert differences(empty) == []
    with Session(empty) as session:
        project = session.exec(select(Project)).one()
        indicator = session.exec(select(Indicator)).one()
        (figure,) = session.exec(select(Measurement)).all()
        alert, delivery = session.exec(select(Alert)).one(), session.exec(select(Delivery)).one()
        run = session.exec(select(JobRun)).one()
        (facts,) = load_projects(session)
    # What was there is unchanged …
    assert (project.code, project.updated_at) == ("pianguan", T0)
    assert indicator.responsible_persons == ["高权"] and indicator.done is False
    assert (figure.month, figure.value, figure.town) == ("2023-08", 90.5, "城关镇")
    assert alert.payload == {"persons": ["高权"], "units": ["县商务局"]} and alert.last_notified_at == T0
    assert delivery.mentions == ["13800000001"] and delivery.sent_at == T0
    assert run.counts == {"figures": 1}
    # … and the columns added since have their defaults.
    assert project.alert_settings == {} and facts.settings.reminder_workdays is None
    assert indicator.pace == [] and indicator.base_code is None and facts.indicators[0].pace == ()
    assert figure.locator is None and alert.last_as_of is None and run.slot is None
    assert (delivery.kind, delivery.attachments, delivery.parts_sent) == ("digest", [], 0)
    # The upgraded database takes new rows: the plan's import and a day's alerts and digests.
    import_files(empty, [EXAMPLES / "pianguan.yaml"])
    result = run_day(App(Settings(data_dir=tmp_path / "data"), {}, empty), date(2023, 10, 16))
    assert result.deliveries >= 1
    command.downgrade(alembic_config(empty), "0001")
    upgrade(empty)
    assert differences(empty) == []


def _fill_first_schema(engine: Engine) -> None:
    """Rows as the first release wrote them, through the tables as they were then (reflected)."""
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    with engine.begin() as connection:

        def add(table: str, **values: object) -> int:
            row = connection.execute(insert(t[table]).values(values).returning(t[table].c.id))
            return int(row.scalar_one())

        project = add(
            "project",
            code="pianguan",
            name="偏关县乡村e镇建设项目",
            county="偏关县",
            programme="乡村e镇",
            timezone="Asia/Shanghai",
            updated_at=T0,
        )
        indicator = add(
            "indicator",
            project_id=project,
            code="S1",
            name="网络零售额",
            kind="numeric",
            binding="binding",
            comparator="ge",
            period="per_year",
            done=False,
            responsible_persons=["高权"],
            unit="万元",
            target=1000.0,
        )
        add(
            "measurement",
            indicator_id=indicator,
            month="2023-08",
            town="城关镇",
            value=90.5,
            unit="万元",
            cumulative=False,
            origin="manual",
            revision=1,
            recorded_at=T0,
        )
        add(
            "alert",
            key="pianguan/indicator/S1/year/2023",
            project_id=project,
            kind="behind_pace",
            severity="warning",
            subject="网络零售额",
            stage="behind",
            state="open",
            first_seen_at=T0,
            last_seen_at=T0,
            last_notified_at=T0,
            notify_count=1,
            payload={"persons": ["高权"], "units": ["县商务局"]},
        )
        add(
            "delivery",
            dedup_key="2023-09-01/pianguan/work/0",
            project_id=project,
            channel_code="work",
            subject="【督办提醒】",
            body="正文",
            mentions=["13800000001"],
            alert_keys=["pianguan/indicator/S1/year/2023"],
            status="sent",
            attempts=1,
            created_at=T0,
            next_attempt_at=T0,
            sent_at=T0,
        )
        add(
            "jobrun",
            job="refresh",
            trigger="manual",
            status="succeeded",
            started_at=T0,
            finished_at=T0,
            counts={"figures": 1},
        )


def test_web_users_keep_what_they_could_do_when_scoped_to_projects(empty: Engine) -> None:
    """0019: staff (everything) become administrators, leaders (read-only) province readers."""
    command.upgrade(alembic_config(empty), "0018")
    tables = MetaData()
    tables.reflect(empty)
    with empty.begin() as connection:
        for name, role in (("zhang", "staff"), ("li", "leader")):
            values = {
                "username": name,
                "display_name": name,
                "role": role,
                "password_hash": "x",
                "active": True,
            }
            connection.execute(insert(tables.tables["webuser"]).values(created_at=T0, **values))
    upgrade(empty)
    assert differences(empty) == []
    with Session(empty) as session:
        roles = {u.username: u.role for u in session.exec(select(WebUser)).all()}
    assert roles == {"zhang": UserRole.ADMIN, "li": UserRole.PROVINCE}
    command.downgrade(alembic_config(empty), "0018")
    with empty.connect() as connection:
        back = dict(connection.execute(text("SELECT username, role FROM webuser")).all())
    assert back == {"zhang": "staff", "li": "leader"}


def test_an_alert_silenced_before_0021_stays_silenced_by_a_silence_of_its_key(empty: Engine) -> None:
    command.upgrade(alembic_config(empty), "0018")
    tables = MetaData()
    tables.reflect(empty)
    t = tables.tables
    until = datetime(2023, 10, 20, 15, 59, tzinfo=UTC)
    with empty.begin() as connection:
        project = connection.execute(
            insert(t["project"])
            .values(code="pianguan", name="偏关", county="偏关县", programme="乡村e镇",
                    timezone="Asia/Shanghai", updated_at=T0, alert_settings={}, applies=[], grade_bands=[])
            .returning(t["project"].c.id)
        ).scalar_one()  # fmt: skip
        alerts = {}
        three, four = "pianguan/item/-/3/deadline/2023-10-15", "pianguan/item/-/4/deadline/2023-10-15"
        for key, state, silenced in ((three, "silenced", until), (four, "acknowledged", None)):
            alerts[key] = connection.execute(
                insert(t["alert"])
                .values(key=key, project_id=project, kind="overdue", severity="critical", subject=key[14:20],
                        stage="overdue", state=state, first_seen_at=T0, last_seen_at=T0, notify_count=1,
                        silenced_until=silenced, state_reason="县政府协调中", payload={})
                .returning(t["alert"].c.id)
            ).scalar_one()  # fmt: skip
        connection.execute(
            insert(t["alertevent"]).values(
                alert_id=alerts[three], at=T0, event="silenced",
                state="silenced", stage="overdue", reason="静默至 2023-10-20", actor="张主任",
            )
        )  # fmt: skip
    upgrade(empty)
    assert differences(empty) == []
    with Session(empty) as session:
        (silence,) = session.exec(select(Silence)).all()
        states = {a.key: a.state for a in session.exec(select(Alert))}
    assert (silence.alert_key, silence.ends_at, silence.starts_at) == (
        "pianguan/item/-/3/deadline/2023-10-15",
        until,
        T0,
    )
    assert (silence.reason, silence.created_by, silence.project_id) == ("县政府协调中", "张主任", project)
    assert set(states.values()) == {AlertState.OPEN, AlertState.ACKNOWLEDGED}  # nothing left "silenced"
