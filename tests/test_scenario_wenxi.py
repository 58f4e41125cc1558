"""闻喜's yearly targets against a year of monthly figures: on pace, behind, recovering, missed.

examples/wenxi.yaml (闻政办发〔2023〕11号): S36 网络零售额 ≥ 3000 万元/年 and S33 年总产值 ≥ 15000
万元/年, both binding. Each month's figure is entered, then the job runs on the first working day
from the 12th of the next month, as a county office would. S36 starts on pace, falls behind in
March, recovers in July and meets the year; S33 is behind all year and misses it.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from db.engine import session_scope
from db.measurements import record_measurement
from db.models import Indicator, Project
from domain.enums import Origin
from tests.scenario_world import import_example, make_app, run_day, sent_by

S36 = [250, 250, 150, 150, 200, 400, 450, 250, 250, 250, 250, 250]  # year: 3100 ≥ 3000
S33 = [1000] * 12  # year: 12000 < 15000
WORK, LEADERS = "wenxi-work", "wenxi-leaders"


def enter(app, code: str, month: str, value: float) -> None:
    with session_scope(app.engine) as session:
        project = session.exec(select(Project).where(Project.code == "wenxi")).one()
        row = session.exec(
            select(Indicator).where(Indicator.project_id == project.id, Indicator.code == code)
        ).one()
        record_measurement(
            session, indicator=row, month=month, value=value, unit="万元", origin=Origin.MANUAL,
            source_code="wenxi-backend" if code == "S36" else None,
        )  # fmt: skip


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("wenxi"))
    import_example(app, "wenxi.yaml")
    runs = {}
    for month in range(1, 13):
        label = f"2023-{month:02d}"
        enter(app, "S36", label, S36[month - 1])
        enter(app, "S33", label, S33[month - 1])
        nxt = date(2023 + month // 12, month % 12 + 1, 12)
        day = app.calendar.next_workday(nxt)
        runs[label] = (day, run_day(app, day, "wenxi"))
    return runs


def about(result, code: str) -> dict[str, set[str]]:
    """Per channel, the ``stage`` told for indicator ``code``'s yearly key (or 'resolved')."""
    out: dict[str, set[str]] = {}
    for digest in sent_by(result):
        for told in digest.told:
            if told.startswith(f"wenxi/indicator/{code}/year/2023@"):
                out.setdefault(digest.channel, set()).add(told.split("@")[1])
    return out


def test_s36_on_pace_then_behind_then_recovering(year):
    told = {month: about(result, "S36") for month, (_, result) in year.items()}
    assert told["2023-01"] == told["2023-02"] == {}  # 250 and 500: exactly on the linear pace
    assert told["2023-03"] == {WORK: {"month-03"}}  # 650 < 750
    assert told["2023-04"] == {WORK: {"month-04"}}
    assert told["2023-05"] == {WORK: {"month-05"}}
    assert told["2023-06"] == {WORK: {"month-06"}}  # 1400 < 1500
    assert told["2023-07"] == {WORK: {"resolved"}}  # 1850 ≥ 1750: one "已解决"
    assert all(told[f"2023-{m:02d}"] == {} for m in range(8, 13))  # and the year is met


def test_the_pace_message_states_gap_method_and_forecast(year):
    _, result = year["2023-03"]
    body = next(d.body for d in sent_by(result) if d.channel == WORK)
    assert "截至 2023年3月累计 650 万元" in body
    assert (
        "按时间均衡（线性）计算，3 月底应完成全年目标的 3/12，应完成 750 万元，落后 100 万元（3.3 个百分点）"
        in body
    )
    assert "按前 3 个月的月均值推算，全年预计 2,600 万元，达不到年度目标" in body


def test_s33_behind_every_month_then_missed_and_escalated(year):
    told = {month: about(result, "S33") for month, (_, result) in year.items()}
    assert [told[f"2023-{m:02d}"] for m in range(1, 12)] == [{WORK: {f"month-{m:02d}"}} for m in range(1, 12)]
    assert told["2023-12"] == {WORK: {"missed"}, LEADERS: {"missed"}}


def test_every_run_was_on_a_working_day(year):
    from domain.workdays import WorkCalendar

    calendar = WorkCalendar()
    assert all(calendar.is_workday(day) for day, _ in year.values())


def test_a_resolved_alert_that_comes_back_reopens_the_same_alert(tmp_path):
    """Runs load only the alerts still open and the resolved ones found again: the one that comes
    back must be that same alert, reopened and told again, not a second alert for its key."""
    from db.models import Alert, AlertEvent

    app = make_app(tmp_path)
    import_example(app, "wenxi.yaml")
    told = {}
    for month, value in ((1, 250), (2, 100), (3, 500), (4, 50)):  # behind, recovered, behind again
        enter(app, "S36", f"2023-{month:02d}", value)
        day = app.calendar.next_workday(date(2023, month + 1, 12))
        told[month] = about(run_day(app, day, "wenxi"), "S36")
    assert told == {1: {}, 2: {WORK: {"month-02"}}, 3: {WORK: {"resolved"}}, 4: {WORK: {"month-04"}}}
    with session_scope(app.engine) as session:
        alerts = session.exec(select(Alert).where(Alert.key == "wenxi/indicator/S36/year/2023")).all()
        assert len(alerts) == 1 and alerts[0].state.value == "open"
        events = session.exec(
            select(AlertEvent.event).where(AlertEvent.alert_id == alerts[0].id).order_by(AlertEvent.id)  # type: ignore[arg-type]
        ).all()
    assert [e for e in events if e != "notified"] == ["opened", "resolved", "reopened"]
