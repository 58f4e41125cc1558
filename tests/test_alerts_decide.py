"""The pure notification decision, case by case with a fixed clock; and ack/silence end to end."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from bot.cli import main
from bot.clock import office_morning
from db.engine import session_scope
from db.models import Alert, AlertEvent
from domain.alerting import AlertMemory, AlertPolicy, Reason, decide
from domain.enums import AlertState, Severity
from domain.errors import ConfigurationError
from domain.findings import Finding, Overdue
from jobs.acks import acknowledge, silence
from tests.scenario_world import import_example, make_app, run_day

NOW = datetime(2023, 10, 16, 1, 0, tzinfo=UTC)
DAY = date(2023, 10, 16)
POLICY = AlertPolicy(repeat_every=timedelta(days=7))


def finding(stage: str = "overdue", repeat: bool = True) -> Finding:
    return Overdue(
        key="p/item/-/1/deadline/2023-10-15",
        project="p",
        severity=Severity.CRITICAL,
        subject="问题1",
        stage=stage,
        repeat=repeat,
        problem="",
        deadline_text=None,
        ongoing=False,
        overdue_days=1,
        overdue_workdays=1,
    )


def memory(
    stage: str = "overdue", state: AlertState = AlertState.OPEN, ago: float = 1, **kw: object
) -> AlertMemory:
    return AlertMemory(state, stage, NOW - timedelta(days=ago), **kw)  # type: ignore[arg-type]


CASES = [
    ("new alert", None, finding(), {}, Reason.FIRST),
    ("same stage, told yesterday", memory(), finding(), {}, Reason.UNCHANGED),
    ("same stage, a week ago", memory(ago=7), finding(), {}, Reason.REPEAT),
    ("same stage, a week ago, no repeats", memory(ago=7), finding(repeat=False), {}, Reason.UNCHANGED),
    ("later stage", memory("due"), finding("overdue"), {}, Reason.NEW_STAGE),
    ("earlier stage is not news", memory("escalated"), finding("overdue"), {}, Reason.UNCHANGED),
    ("holiday", memory("due"), finding(), {"workday": False}, Reason.NOT_WORKDAY),
    ("replay of an earlier day", memory("due", last_as_of=date(2023, 10, 20)), finding(), {}, Reason.REPLAY),
    (
        "acknowledged, same stage",
        memory(state=AlertState.ACKNOWLEDGED, ago=30),
        finding(),
        {},
        Reason.ACKNOWLEDGED,
    ),
    ("acknowledged, later stage", memory("due", AlertState.ACKNOWLEDGED), finding(), {}, Reason.NEW_STAGE),
    (
        "silenced, later stage",
        memory("due"),
        finding(),
        {"muted_until": NOW + timedelta(days=3)},
        Reason.SILENCED,
    ),
    ("silenced, never told", None, finding(), {"muted_until": NOW + timedelta(days=3)}, Reason.SILENCED),
    (
        "silenced, acknowledged",
        memory("due", AlertState.ACKNOWLEDGED),
        finding(),
        {"muted_until": NOW + timedelta(1)},
        Reason.SILENCED,
    ),
    ("silence over", memory("due"), finding(), {"muted_until": NOW - timedelta(hours=1)}, Reason.NEW_STAGE),
    ("silence ends this very moment", memory("due"), finding(), {"muted_until": NOW}, Reason.NEW_STAGE),
    ("resolved comes back", memory(state=AlertState.RESOLVED), finding(), {}, Reason.FIRST),
    ("never told, now told", memory("", notified=False), finding(), {}, Reason.FIRST),
    ("gone", memory(), None, {}, Reason.RESOLVED),
    ("gone while silenced", memory(), None, {"muted_until": NOW + timedelta(days=3)}, Reason.RESOLVED),
    ("gone, never told", memory("", notified=False), None, {}, Reason.RESOLVED_QUIETLY),
    ("gone on a holiday", memory(), None, {"workday": False}, Reason.NOT_WORKDAY),
    ("still gone", memory(state=AlertState.RESOLVED), None, {}, Reason.STILL_RESOLVED),
]


@pytest.mark.parametrize(
    ("name", "remembered", "found", "options", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_decide(name, remembered, found, options, reason):
    assert decide(remembered, found, NOW, POLICY, as_of=DAY, **options) is reason


@pytest.mark.both_databases
def test_ack_and_silence_through_the_job_and_the_cli(tmp_path, database):
    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    assert run_day(app, date(2023, 10, 16), "pianguan").queued  # overdue: told
    key = "item/-/10"  # 问题10 is not due until 10-31: no alert yet
    with session_scope(app.engine) as session, pytest.raises(ConfigurationError):
        acknowledge(session, project="pianguan", key=key, reason="知道了", actor="高权", now=NOW)
    with session_scope(app.engine) as session:
        acknowledge(session, project="pianguan", key="item/-/2", reason="周会已布置", actor="高权", now=NOW)
        silence(
            session, project="pianguan", key="item/-/3", until=office_morning(date(2023, 10, 24)),
            reason="县政府协调中", actor="张主任", now=NOW,
        )  # fmt: skip
    told_18 = [k for d in run_day(app, date(2023, 10, 18), "pianguan").queued for k in d.alert_keys]
    assert "pianguan/item/-/2/deadline/2023-10-15" in told_18  # escalation is news despite the ack
    assert "pianguan/item/-/3/deadline/2023-10-15" not in told_18  # silenced
    told_24 = [k for d in run_day(app, date(2023, 10, 24), "pianguan").queued for k in d.alert_keys]
    assert "pianguan/item/-/3/deadline/2023-10-15" in told_24  # silence over: the escalation is told
    with Session(app.engine) as session:
        alert = session.exec(select(Alert).where(Alert.key == "pianguan/item/-/3/deadline/2023-10-15")).one()
        events = [
            e.event
            for e in session.exec(
                select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
            )
        ]
    assert events == ["opened", "notified", "silenced", "notified", "escalated"]

    runner = CliRunner(env={"DUBAN_DATABASE_URL": database or ""})
    data = ["--data-dir", str(tmp_path / "data"), "--env-file", str(tmp_path / "none.env")]
    listed = runner.invoke(main, [*data, "alerts", "--project", "pianguan"])
    # 17 items and the 8 targets written into their measures (examples/pianguan.yaml, P04 … P13)
    assert listed.exit_code == 0 and "提醒（25 项；" in listed.output
    acked = runner.invoke(main, [*data, "ack", "item/-/4", "--project", "pianguan", "--reason", "已督促"])
    assert acked.exit_code == 0 and "已确认" in acked.output
    muted = runner.invoke(main, [*data, "silence", "item/-/5", "--project", "pianguan", "--reason", " "])
    assert muted.exit_code != 0
