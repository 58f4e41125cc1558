"""Silences by matcher: what each matcher covers, and what real runs of 偏关 then do not send.

The pure rules are table-driven with a fixed clock; the runs use the 偏关 example day by day
(tests/scenario_world.py): its items 2–9 name 高权 and 王雪 (工信局 and 乐村淘), item 1 高权 alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from bot.cli import main
from bot.clock import office_morning
from bot.wiring import App
from db.engine import session_scope
from db.models import Alert, AlertEvent, Silence
from domain.enums import AlertState
from domain.silences import Matchers, Rule, Target, Window, muted_until
from domain.workdays import OFFICE_TZ
from jobs.acks import acknowledge, unacknowledge
from jobs.evaluate import evaluate_and_queue
from jobs.manual import close_item
from jobs.page_links import PageLinks
from jobs.silences import SilenceError, Wanted, create, expire_early
from tests.scenario_world import import_example, make_app, run_day
from tests.test_alerts_decide import finding

NOW = datetime(2023, 10, 16, 1, 0, tzinfo=UTC)
ALERT = Target("p", "p/item/-/3/deadline/2023-10-15", "overdue", ("工信局", "乐村淘"), ("高权", "王雪"))


def rule(**matchers: str) -> Rule:
    return Rule(Matchers("p", **matchers), Window(NOW - timedelta(hours=1), NOW + timedelta(days=2)))


MATCHERS = [
    ("the project alone covers all of it", rule(), ALERT, True),
    ("another project", Rule(Matchers("q"), Window(NOW, NOW + timedelta(1))), ALERT, False),
    ("one of its units", rule(unit="乐村淘"), ALERT, True),
    ("a unit it does not name", rule(unit="商务局"), ALERT, False),
    ("one of its persons", rule(person="王雪"), ALERT, True),
    ("a person it does not name", rule(person="张主任"), ALERT, False),
    ("its kind", rule(kind="overdue"), ALERT, True),
    ("another kind", rule(kind="deadline_approaching"), ALERT, False),
    ("its own key", rule(key=ALERT.key), ALERT, True),
    ("its item, by the item's key", rule(key="p/item/-/3"), ALERT, True),
    (
        "item 3 does not cover item 31",
        rule(key="p/item/-/3"),
        Target("p", "p/item/-/31/deadline/x", "overdue"),
        False,
    ),
    (
        "every matcher agrees",
        rule(unit="工信局", person="高权", kind="overdue", key="p/item/-/3"),
        ALERT,
        True,
    ),
    ("all but one agree", rule(unit="工信局", person="高权", kind="check_in"), ALERT, False),
]


@pytest.mark.parametrize(("name", "silence", "target", "mutes"), MATCHERS, ids=[m[0] for m in MATCHERS])
def test_a_silence_matches_when_every_matcher_it_gives_agrees(
    name: str, silence: Rule, target: Target, mutes: bool
) -> None:
    assert silence.mutes(target, NOW) is mutes


def test_a_silence_mutes_only_within_its_window_and_stops_when_ended_early() -> None:
    noon = datetime(2023, 10, 18, 12, 0, tzinfo=OFFICE_TZ)
    window = Window(NOW, noon)
    assert not window.mutes_at(NOW - timedelta(seconds=1))  # not yet begun
    assert window.mutes_at(NOW) and window.mutes_at(noon - timedelta(seconds=1))
    assert not window.mutes_at(noon)  # its end passes in the middle of the day
    ended = Window(NOW, noon, expired_at=NOW + timedelta(hours=2))
    assert ended.mutes_at(NOW + timedelta(hours=1)) and not ended.mutes_at(NOW + timedelta(hours=2))
    assert ended.end == NOW + timedelta(hours=2)


def test_the_longest_silence_that_mutes_decides_until_when() -> None:
    short = Rule(Matchers("p", person="王雪"), Window(NOW, NOW + timedelta(days=1)))
    long = Rule(Matchers("p", kind="overdue"), Window(NOW, NOW + timedelta(days=5)))
    other = Rule(Matchers("p", person="张主任"), Window(NOW, NOW + timedelta(days=9)))
    assert muted_until([short, long, other], ALERT, NOW) == NOW + timedelta(days=5)
    assert muted_until([other], ALERT, NOW) is None


# --- real runs of 偏关 ----------------------------------------------------------------------------


def keys_told(result_queued: list, channel: str | None = None) -> set[str]:  # type: ignore[type-arg]
    return {k for d in result_queued if channel in (None, d.channel_code) for k in d.alert_keys}


def item(n: int) -> str:
    return f"pianguan/item/-/{n}/deadline/2023-10-15"


def run_at(app: App, day: date, moment: datetime) -> list:  # type: ignore[type-arg]
    """The evaluation of ``day`` run at ``moment`` (a second run that day, say)."""
    return evaluate_and_queue(
        app.engine,
        as_of=day,
        now=moment.astimezone(UTC),
        calendar=app.calendar,
        policy=app.policy,
        alert_policy=app.alert_policy,
        projects=["pianguan"],
    ).queued


@pytest.mark.both_databases
def test_a_silence_by_person_and_kind_mutes_the_escalation_until_it_ends_mid_day(tmp_path, database) -> None:
    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    assert item(2) in keys_told(run_day(app, date(2023, 10, 16), "pianguan").queued)
    noon = datetime(2023, 10, 18, 12, 0, tzinfo=OFFICE_TZ)
    with session_scope(app.engine) as session:
        wanted = Wanted("pianguan", noon, "王雪出差，回来后统一处理", person="王雪", kind="整改逾期")
        create(session, wanted=wanted, actor="张主任", now=NOW, at=NOW)

    morning = run_day(app, date(2023, 10, 18), "pianguan").queued  # the escalation day
    assert item(1) in keys_told(morning, "pianguan-leaders")  # 高权 alone: not covered
    for n in range(2, 10):  # 王雪's: told to nobody, not even the leaders
        assert item(n) not in keys_told(morning)
    afternoon = run_at(app, date(2023, 10, 18), datetime(2023, 10, 18, 13, 0, tzinfo=OFFICE_TZ))
    assert {item(n) for n in range(2, 10)} <= keys_told(afternoon, "pianguan-leaders")


@pytest.mark.both_databases
def test_a_silence_ended_early_stops_muting_at_once(tmp_path, database) -> None:
    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    run_day(app, date(2023, 10, 16), "pianguan")
    with session_scope(app.engine) as session:
        wanted = Wanted("pianguan", office_morning(date(2023, 10, 31)), "县政府协调中", unit="偏关县工信局")
        number = create(session, wanted=wanted, actor="张主任", now=NOW, at=NOW).id
    assert not keys_told(run_day(app, date(2023, 10, 18), "pianguan").queued)  # every item names 工信局
    with session_scope(app.engine) as session:
        assert number is not None
        expire_early(
            session,
            silence_id=number,
            project="pianguan",
            actor="张主任",
            now=office_morning(date(2023, 10, 19)),
        )
    told = keys_told(run_day(app, date(2023, 10, 19), "pianguan").queued, "pianguan-leaders")
    assert {item(n) for n in range(1, 10)} <= told  # the escalation held back is told the next morning
    with session_scope(app.engine) as session, pytest.raises(SilenceError, match="已经结束"):
        expire_early(
            session, silence_id=number, project=None, actor=None, now=office_morning(date(2023, 10, 19))
        )


@pytest.mark.both_databases
def test_an_undone_acknowledgement_is_reminded_at_the_next_repeat(tmp_path, database) -> None:
    app = make_app(tmp_path, database_url=database)
    import_example(app, "pianguan.yaml")
    run_day(app, date(2023, 10, 16), "pianguan")
    run_day(app, date(2023, 10, 18), "pianguan")  # escalated: told on the 18th
    with session_scope(app.engine) as session:
        acknowledge(session, project="pianguan", key="item/-/2", reason="周会已布置", actor="高权", now=NOW)
    assert item(2) not in keys_told(run_day(app, date(2023, 10, 25), "pianguan").queued)  # a week on: held
    with session_scope(app.engine) as session:
        (alert,) = unacknowledge(
            session, project="pianguan", key="item/-/2", reason="", actor="高权", now=NOW
        )
        assert alert.state is AlertState.OPEN
    again = run_at(app, date(2023, 10, 25), datetime(2023, 10, 25, 10, 0, tzinfo=OFFICE_TZ))
    assert keys_told(again) == {item(2)}  # the repeat it was owed, and nothing else
    with Session(app.engine) as session:
        events = session.exec(select(AlertEvent.event).join(Alert).where(Alert.key == item(2))).all()
    assert list(events)[-3:] == ["acknowledged", "unacknowledged", "notified"]


# --- the command line ----------------------------------------------------------------------------


def cli(tmp_path, *args: str):  # type: ignore[no-untyped-def]
    data = ["--data-dir", str(tmp_path / "data"), "--env-file", str(tmp_path / "none.env")]
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, [*data, *args])


def test_silence_add_list_and_expire_on_the_command_line(tmp_path) -> None:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml")
    run_day(app, date(2023, 10, 16), "pianguan")
    until = (datetime.now(OFFICE_TZ) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    added = cli(
        tmp_path, "silence", "add", "--project", "pianguan", "--person", "王雪", "--kind", "整改逾期",
        "--until", until, "--reason", "出差", "--by", "张主任",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "已新建静默（编号 1）" in added.output and f"至 {until}（北京时间）" in added.output
    assert "涉及 13 条未解决的提醒" in added.output  # items 2–9, 12 and 14–17 are overdue and name 王雪
    shown = cli(tmp_path, "alerts", "--project", "pianguan", "--json").output
    assert shown.count('"silenced": true') == 13 and cli(tmp_path, "alerts").output.count("静默中") == 13
    listed = cli(tmp_path, "silence", "list")
    assert (
        listed.exit_code == 0 and "责任人 王雪，类型 整改逾期" in listed.output and "生效中" in listed.output
    )
    expired = cli(tmp_path, "silence", "expire", "1", "--by", "张主任")
    assert expired.exit_code == 0 and "已提前结束静默（编号 1）" in expired.output
    with Session(app.engine) as session:
        row = session.exec(select(Silence)).one()
    assert row.expired_by == "张主任" and row.expired_at is not None
    assert "已提前结束" in cli(tmp_path, "silence", "list").output


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            ["--unit", "商务局"],
            1,
            "项目 pianguan 没有责任单位“商务局”；可选：偏关县乡村e镇工作领导小组办公室、偏关县工信局",
        ),
        (["--person", "李四"], 1, "没有责任人“李四”"),
        (["--kind", "逾期了"], 1, "没有提醒类型“逾期了”；可选：整改时限临近"),
        (["--until", "2020-01-01 08:00"], 1, "静默截止时间 2020-01-01 08:00（北京时间）已过"),
        (["--until", "下周一"], 2, "“下周一”不是有效的时间，请写成 “YYYY-MM-DD HH:MM”"),
        (["--project", "nowhere"], 1, "项目 nowhere 不存在"),
    ],
)
def test_a_bad_silence_is_refused_in_chinese(tmp_path, args: list[str], code: int, says: str) -> None:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml")
    base = {"--project": "pianguan", "--until": "2099-01-01 18:00", "--reason": "测试"}
    for name, value in zip(args[::2], args[1::2], strict=True):
        base[name] = value
    answer = cli(tmp_path, "silence", "add", *[part for pair in base.items() for part in pair])
    assert answer.exit_code == code and says in answer.output, answer.output
    assert "Traceback" not in answer.output
    with Session(app.engine) as session:
        assert not session.exec(select(Silence)).all()


def test_unack_and_the_old_silence_form_on_the_command_line(tmp_path) -> None:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml")
    run_day(app, date(2023, 10, 16), "pianguan")
    refused = cli(tmp_path, "unack", "item/-/4", "--project", "pianguan")
    assert refused.exit_code == 1 and "没有已确认的提醒" in refused.output
    assert cli(tmp_path, "ack", "item/-/4", "--project", "pianguan", "--reason", "已督促").exit_code == 0
    undone = cli(tmp_path, "unack", "item/-/4", "--project", "pianguan")
    assert undone.exit_code == 0 and "已撤销确认" in undone.output
    muted = cli(tmp_path, "silence", "item/-/5", "--project", "pianguan", "--days", "7", "--reason", "协调中")
    assert muted.exit_code == 0 and "已静默至" in muted.output
    with Session(app.engine) as session:
        row = session.exec(select(Silence)).one()
        alert = session.exec(select(Alert).where(Alert.key == item(4))).one()
    assert row.alert_key == "pianguan/item/-/5" and row.reason == "协调中"  # the whole item, later alerts too
    assert alert.state is AlertState.OPEN


# --- links in messages --------------------------------------------------------------------------

PUBLIC = "https://duban.example.gov.cn"
FINDING = finding()


@pytest.mark.parametrize("public_url", [PUBLIC, None])
def test_a_message_about_one_item_links_to_the_items_page(tmp_path, public_url: str | None) -> None:
    app = make_app(tmp_path, public_url=public_url)
    import_example(app, "pianguan.yaml")
    run_day(app, date(2023, 10, 13), "pianguan")  # 问题13 is due 10-20: told 5 working days ahead
    closed = close_item(
        app, project="pianguan", batch="", number="13", result="已整改到位", evidence=None,
        now=office_morning(date(2023, 10, 16)),
    )  # fmt: skip
    queued = run_day(app, date(2023, 10, 16), "pianguan").queued
    (resolution,) = [d for d in queued if d.alert_keys == ["pianguan/item/-/13/deadline/2023-10-20"]]
    digests = [d for d in queued if len(d.alert_keys) > 1]
    assert digests  # the day's overdue items, many in one message
    if public_url is None:
        assert "http" not in resolution.body and all("http" not in d.body for d in digests)
        return
    assert f"在系统中查看详情和处理记录：{PUBLIC}/items/{closed.id}" in resolution.body
    assert all("/items/" not in d.body and "处理记录：" not in d.body for d in digests)


def test_which_page_a_message_links_to() -> None:
    links = PageLinks(
        PUBLIC + "/", "wenxi", lambda batch, number: 7 if (batch, number) == ("", "3") else None
    )

    def about(*keys: str) -> str:
        return links.of([replace(FINDING, key=key) for key in keys])

    assert about("wenxi/indicator/S36/year/2023") == f"{PUBLIC}/p/wenxi/indicators/S36"
    assert about("wenxi/indicator/S36/town/东镇/year/2023") == f"{PUBLIC}/p/wenxi/indicators/S36"
    assert about("wenxi/item/-/3/deadline/2023-10-15", "wenxi/item/-/3/evidence") == f"{PUBLIC}/items/7"
    assert about("wenxi/item/-/3/deadline/x", "wenxi/item/-/4/deadline/x") == f"{PUBLIC}/p/wenxi"  # two items
    assert about("wenxi/item/-/9/deadline/x") == f"{PUBLIC}/p/wenxi"  # no such row: the project page
    assert about("wenxi/source/mofcom/stale") == f"{PUBLIC}/p/wenxi"
    assert about("not a key") == f"{PUBLIC}/p/wenxi"
