"""Properties of the alert lifecycle, on the real job and a real SQLite database (hypothesis).

* Running any sequence of days, then the same sequence again, queues nothing the second time;
  re-running the last day again queues nothing either.
* Closing an item stops its reminders at once and produces at most one resolution — exactly one
  when someone had been told about it and a working day is run after the closing.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.engine import session_scope
from db.plan import import_plan
from domain.plan.schema import PlanSpec
from domain.workdays import OFFICE_TZ
from jobs.manual import close_item
from tests.scenario_world import make_app, run_day

START = date(2023, 9, 20)
SPAN = 70  # days: across the 2023 National Day holiday and its make-up days
counter = itertools.count()

item = st.fixed_dictionaries(
    {
        "deadline": st.integers(0, SPAN - 20).map(lambda n: START + timedelta(n)),
        "ongoing": st.booleans(),
        "person": st.sampled_from(["甲", "乙"]),
    }
)
day_offsets = st.lists(st.integers(0, SPAN), min_size=1, max_size=8)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return make_app(Path(tmp_path_factory.mktemp("properties")))


def new_project(app, items: list[dict]) -> str:
    code = f"p{next(counter)}"
    plan = PlanSpec.model_validate(
        {
            "project": {"code": code, "name": f"项目{code}", "county": "某县"},
            "people": [{"name": "甲"}, {"name": "乙"}, {"name": "领导"}],
            "channels": [
                {"code": f"{code}-work", "kind": "wecom_robot", "name": "工作群", "members": ["甲", "乙"]},
                {"code": f"{code}-lead", "kind": "email", "name": "领导小组", "members": ["领导"],
                 "leadership": True},
            ],
            "rectification": {
                "items": [
                    {"number": str(n + 1), "problem": f"问题{n + 1}", "persons": [i["person"]],
                     "deadline": i["deadline"], "ongoing": i["ongoing"]}
                    for n, i in enumerate(items)
                ]
            },
        }
    )  # fmt: skip
    with session_scope(app.engine) as session:
        import_plan(session, plan, Path(f"{code}.yaml"))
    return code


def sent_keys(app, day: date, code: str) -> list[str]:
    """Alert keys queued on ``day``, once each however many channels carry them."""
    return sorted({k for d in run_day(app, day, code).queued for k in d.alert_keys})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(item, min_size=1, max_size=4), offsets=day_offsets)
def test_running_a_sequence_of_days_twice_sends_nothing_new(app, items, offsets):
    code = new_project(app, items)
    sequence = [START + timedelta(n) for n in offsets]
    for day in sequence:
        run_day(app, day, code)
    assert sent_keys(app, sequence[-1], code) == []
    for day in sequence:
        assert sent_keys(app, day, code) == [], day


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(item, min_size=1, max_size=3),
    offsets=st.lists(st.integers(0, SPAN), min_size=2, max_size=10, unique=True),
    close_at=st.integers(0, 9),
)
def test_closing_an_item_stops_reminders_and_resolves_once(app, items, offsets, close_at):
    code = new_project(app, items)
    sequence = sorted(START + timedelta(n) for n in offsets)
    split = close_at % len(sequence)
    key_prefix = f"{code}/item/-/1/"
    told_before = False
    for day in sequence[:split]:
        told_before |= any(k.startswith(key_prefix) for k in sent_keys(app, day, code))
    closing_day = sequence[split]
    close_item(
        app, project=code, batch="", number="1", result="已整改", evidence=None,
        now=datetime.combine(closing_day, time(8), tzinfo=OFFICE_TZ),
    )  # fmt: skip
    # One resolution is one note per day, to every channel that heard of the item (several keys
    # on one day would be several messages) — so count the (day, key) pairs.
    after = {
        (day, k) for day in sequence[split:] for k in sent_keys(app, day, code) if k.startswith(key_prefix)
    }
    assert len(after) <= 1  # one resolution at most, and never a reminder
    workday_after = any(app.calendar.is_workday(d) for d in sequence[split:])
    assert len(after) == (1 if told_before and workday_after else 0)


@settings(max_examples=200, deadline=None)
@given(
    deadline=st.integers(0, SPAN).map(lambda n: START + timedelta(n)),
    ongoing=st.booleans(),
    first=st.integers(0, SPAN + 60),
    gap=st.integers(0, 60),
)
def test_an_items_stage_never_moves_backwards_as_days_pass(deadline, ongoing, first, gap):
    from domain.enums import ItemStatus
    from domain.evaluation import Policy
    from domain.evaluation.deadlines import evaluate_item
    from domain.facts import ItemFacts
    from domain.keys import stage_rank
    from domain.workdays import WorkCalendar

    calendar, policy = WorkCalendar(), Policy()
    facts = ItemFacts("p", "", "1", "问题", ("甲",), (), deadline, None, ongoing, ItemStatus.OPEN)
    earlier = evaluate_item(facts, START + timedelta(first), calendar, policy)
    later = evaluate_item(facts, START + timedelta(first + gap), calendar, policy)
    if earlier is not None:
        assert later is not None and later.key == earlier.key  # an open item never falls silent
        assert stage_rank(later.stage) >= stage_rank(earlier.stage)
