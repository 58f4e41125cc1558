"""偏关's 17 rectification items replayed day by day, 2023-09-25 … 2023-11-10.

Deadlines (examples/pianguan.yaml, from 偏政发〔2023〕18号): 14 items on 2023-10-15 (a Sunday),
问题13 on 10-20, 问题10 and 11 on 10-31. The 2023 National Day holiday ran 09-29 … 10-06 and
Saturday 10-07 and Sunday 10-08 were make-up working days (调休), so the first 5-working-day
reminder for 10-15 would fall on Sunday 10-08 — but the plan was issued on 10-12 (its notice's date,
``rectification.issued``), so nothing goes out before it and 10-12 tells in one digest the 14 items
due on 10-15 at their 1-working-day step. Messages go out on working days only; overdue items are
escalated to the leadership group after 3 working days and repeated weekly. 问题13 is closed
(销号) on 10-18 and 问题1 on 10-19, each producing exactly one "已解决" note. The whole replay runs
on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from domain.workdays import OFFICE_TZ
from jobs.manual import close_item
from tests.conftest import BACKENDS, database_for
from tests.scenario_world import days, import_example, item_number, make_app, outbox_count, run_day, sent_by

A = [str(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17)]  # due 2023-10-15
A_OPEN = [n for n in A if n != "1"]  # 问题1 is closed on 10-19
B = ["13"]  # due 2023-10-20
C = ["10", "11"]  # due 2023-10-31
WORK, LEADERS = "pianguan-work", "pianguan-leaders"


def told(numbers: list[str], stage: str) -> set[str]:
    return {f"{n}@{stage}" for n in numbers}


EXPECTED: dict[date, dict[str, set[str]]] = {
    date(2023, 10, 12): {WORK: told(A, "remind-1")},  # issued today: the first digest
    date(2023, 10, 13): {WORK: told(A, "due") | told(B, "remind-5")},
    date(2023, 10, 16): {WORK: told(A, "overdue")},
    date(2023, 10, 17): {WORK: told(B, "remind-3")},
    date(2023, 10, 18): {WORK: told(A, "escalated") | told(B, "resolved"), LEADERS: told(A, "escalated")},
    date(2023, 10, 19): {WORK: {"1@resolved"}, LEADERS: {"1@resolved"}},
    date(2023, 10, 24): {WORK: told(C, "remind-5")},
    date(2023, 10, 25): {WORK: told(A_OPEN, "escalated"), LEADERS: told(A_OPEN, "escalated")},
    date(2023, 10, 26): {WORK: told(C, "remind-3")},
    date(2023, 10, 30): {WORK: told(C, "remind-1")},
    date(2023, 10, 31): {WORK: told(C, "due")},
    date(2023, 11, 1): {
        WORK: told(A_OPEN, "escalated") | told(C, "overdue"),
        LEADERS: told(A_OPEN, "escalated"),
    },
    date(2023, 11, 3): {WORK: told(C, "escalated"), LEADERS: told(C, "escalated")},
    date(2023, 11, 8): {WORK: told(A_OPEN, "escalated"), LEADERS: told(A_OPEN, "escalated")},
    date(2023, 11, 10): {WORK: told(C, "escalated"), LEADERS: told(C, "escalated")},
}
CLOSINGS = {date(2023, 10, 18): "13", date(2023, 10, 19): "1"}
FIRST, LAST = date(2023, 9, 25), date(2023, 11, 10)


@pytest.fixture(scope="module", params=BACKENDS)
def replay(request, tmp_path_factory):
    with database_for(request, request.param) as url:
        app = make_app(tmp_path_factory.mktemp("pianguan"), database_url=url)
        yield _replay(app)
        app.engine.dispose()


def _replay(app):
    import_example(app, "pianguan.yaml")
    sent: dict[date, dict[str, set[str]]] = {}
    bodies: dict[date, dict[str, str]] = {}
    targets: dict[date, dict[str, set[str]]] = {}
    for day in days(FIRST, LAST):
        if day in CLOSINGS:
            before_run = datetime.combine(day, time(8), tzinfo=OFFICE_TZ)
            close_item(
                app, project="pianguan", batch="", number=CLOSINGS[day], result="已整改到位",
                evidence=None, now=before_run,
            )  # fmt: skip
        result = run_day(app, day, "pianguan")
        for digest in sent_by(result):  # a channel may get two messages: open items, resolutions
            if items := [item_number(k) for k in digest.told if "/item/" in k]:
                sent.setdefault(day, {}).setdefault(digest.channel, set()).update(items)
            by_channel = bodies.setdefault(day, {})
            by_channel[digest.channel] = by_channel.get(digest.channel, "") + digest.body
            if told_targets := {target_of(k) for k in digest.told if "/indicator/" in k}:
                targets.setdefault(day, {}).setdefault(digest.channel, set()).update(told_targets)
    return app, sent, bodies, targets


def target_of(told: str) -> str:
    """``pianguan/indicator/P05/once/2023-10-15@remind-1`` → ``P05@remind-1``."""
    key, _, stage = told.partition("@")
    return f"{key.split('/')[2]}@{stage}"


def test_exactly_the_expected_messages_go_out_on_each_day(replay):
    _, sent, _, _ = replay
    for day in days(FIRST, LAST):
        assert sent.get(day, {}) == EXPECTED.get(day, {}), day


def test_the_targets_in_the_measures_are_told_with_their_items(replay):
    """The numeric targets written into the measures (P04 … P13) follow their item's deadline."""
    _, _, _, told = replay
    due_1015 = {"P04", "P05", "P08"}
    assert told[date(2023, 10, 12)] == {WORK: {f"{c}@remind-1" for c in due_1015}}
    assert told[date(2023, 10, 13)][WORK] == {f"{c}@due" for c in due_1015} | {"P13@remind-5"}
    due_1031 = {"P10a", "P10b", "P10c", "P11"}
    assert told[date(2023, 10, 24)] == {WORK: {f"{c}@remind-5" for c in due_1031}}
    assert told[date(2023, 11, 3)][LEADERS] == {f"{c}@escalated" for c in due_1031}
    # 问题13 is closed on 10-18, but its 1500 平方米 was never reported: that is still told.
    assert told[date(2023, 10, 20)] == {WORK: {"P13@due"}}
    assert told[date(2023, 10, 23)] == {WORK: {"P13@overdue"}}


def test_nothing_goes_out_before_the_plan_was_issued(replay):
    """Was: reminders on the make-up working days 10-08 and 10-10, before the plan existed; the
    make-up day count itself is tested in tests/test_rectification_issued.py."""
    _, sent, _, _ = replay
    assert min(sent) == date(2023, 10, 12)


def test_the_first_digest_tells_what_is_already_due(replay):
    _, _, bodies, _ = replay
    text = bodies[date(2023, 10, 12)][WORK]
    assert "2023年10月15日（星期日），还剩 1 个工作日" in text
    assert "@" not in text.splitlines()[0]


def test_due_on_a_sunday_is_said_on_the_last_working_day_before(replay):
    _, _, bodies, _ = replay
    assert "今天是到期前最后一个工作日" in bodies[date(2023, 10, 13)][WORK]


def test_escalation_names_the_delay_and_the_leadership(replay):
    _, _, bodies, _ = replay
    assert "已逾期 3 天" in bodies[date(2023, 10, 18)][LEADERS]
    assert "今天已报告领导小组" in bodies[date(2023, 10, 18)][WORK]


def test_the_leaders_are_told_the_reminders_already_sent_and_asked_to_act(replay):
    _, _, bodies, _ = replay
    text = bodies[date(2023, 10, 18)][LEADERS]
    # the plan was issued on 10-12 (rectification.issued): no reminder went out before it
    told = "已在工作群提醒 3 次：10月12日（还剩1个工作日）、10月13日（到期提醒）、"
    assert told in text and "10月16日（逾期提醒）" in text
    assert "督促" in text and "约谈" in text and "调整时限" in text
    assert "按时限落实" not in text and "已同时报告领导小组" not in text


def test_the_work_group_hears_of_the_leaders_only_on_a_day_they_are_told(replay):
    _, sent, bodies, targets = replay
    for day, by in bodies.items():
        said = "报告领导小组" in by.get(WORK, "")
        to_leaders = sent.get(day, {}).get(LEADERS, set()) | targets.get(day, {}).get(LEADERS, set())
        assert said == any("escalated" in k for k in to_leaders), day


def test_a_closed_item_gets_one_resolution_with_its_result(replay):
    _, sent, bodies, _ = replay
    resolutions = [(d, c) for d, by in sent.items() for c, t in by.items() if "13@resolved" in t]
    assert resolutions == [(date(2023, 10, 18), WORK)]
    note = "问题13已于2023年10月18日销号，整改结果：已整改到位，今后不再提醒"
    assert note in bodies[date(2023, 10, 18)][WORK]


def test_replaying_every_day_again_sends_nothing(replay):
    app, _, _, _ = replay
    before = outbox_count(app)
    for day in days(FIRST, LAST):
        result = run_day(app, day, "pianguan")
        assert result.queued == [], day
    assert outbox_count(app) == before


def test_a_restarted_service_sends_nothing_already_sent(replay):
    """A new process on the same database (as after a restart) finds everything already told."""
    from bot.wiring import App

    app, _, _, _ = replay
    restarted = App.build(app.settings, {})
    assert all(run_day(restarted, day, "pianguan").queued == [] for day in days(date(2023, 10, 16), LAST))
