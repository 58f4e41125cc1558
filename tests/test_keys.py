"""The alert-key and stage grammar: the stored text of every key and stage, and reading it back."""

from __future__ import annotations

from datetime import date

import pytest

from domain import keys
from domain.keys import Question, Scope, Step, parse, parse_stage, stage_rank
from domain.labels import stage_label

# (built key, the text the database holds) — these strings must never change.
KEYS = [
    (
        keys.deadline_key(keys.item("pianguan", "", "13"), date(2023, 10, 20)),
        "pianguan/item/-/13/deadline/2023-10-20",
    ),
    (keys.deadline_key(keys.item("p", "第二批", "4"), None), "p/item/第二批/4/deadline/ongoing"),
    (keys.indicator("wenxi", "S36").key(Question.YEAR, 2023), "wenxi/indicator/S36/year/2023"),
    (keys.indicator("w", "S37", "东镇").key(Question.YEAR, 2023), "w/indicator/S37/town/东镇/year/2023"),
    (keys.indicator("w", "S05").key(Question.PLAN), "w/indicator/S05/plan"),
    (keys.indicator("w", "S09").key(Question.ONCE, date(2023, 12, 31)), "w/indicator/S09/once/2023-12-31"),
    (keys.indicator("w", "S07").key(Question.RATIO, 2023), "w/indicator/S07/ratio/2023"),
    (keys.indicator("w", "S33g").key(Question.GROWTH, 2023), "w/indicator/S33g/growth/2023"),
    (keys.indicator("w", "S40").key(Question.EVIDENCE), "w/indicator/S40/evidence"),
    (
        keys.indicator("w", "S40").key(Question.DELIVERABLE, date(2023, 6, 30)),
        "w/indicator/S40/deliverable/2023-06-30",
    ),
    (keys.indicator("w", "S36", "西镇").key(Question.JUMP), "w/indicator/S36/town/西镇/jump"),
    (keys.indicator("w", "S36").key(Question.MISSING), "w/indicator/S36/missing"),
    (keys.source("w", "mofcom").key(Question.STALE), "w/source/mofcom/stale"),
    (keys.source("w", "mofcom").key(Question.COLLECTION), "w/source/mofcom/collection"),
    (str(keys.report("w", "mofcom", "2023-09")), "w/report/mofcom/2023-09"),
]


@pytest.mark.parametrize(("built", "stored"), KEYS)
def test_keys_keep_their_stored_text_and_read_back(built: str, stored: str) -> None:
    assert built == stored
    assert str(parse(stored)) == stored


def test_a_parsed_key_names_its_subject() -> None:
    item = parse("pianguan/item/-/13/deadline/2023-10-20")
    assert (item.subject.scope, item.item_number, item.question) == (
        Scope.ITEM,
        "13",
        ("deadline", "2023-10-20"),
    )
    town = parse("w/indicator/S37/town/东镇/year/2023")
    assert (town.indicator_code, town.subject.parts, town.question) == (
        "S37",
        ("S37", "town", "东镇"),
        ("year", "2023"),
    )
    assert parse("w/source/mofcom/stale").indicator_code is None
    assert keys.item("p", "", "1").prefix == "p/item/-/1/"
    assert keys.without_project("w/indicator/S36/missing") == "indicator/S36/missing"
    with pytest.raises(ValueError, match="not an alert key"):
        parse("w/elsewhere/1")


STAGES = [
    (keys.remind(5), "remind-5", "还剩2个工作日"),
    (keys.DUE, "due", "到期"),
    (keys.OVERDUE, "overdue", "逾期"),
    (keys.ESCALATED, "escalated", "逾期·已上报"),
    (keys.MISSED, "missed", "未完成"),
    (keys.month_stage(5), "month-05", "5月"),
    (keys.month_stage("2023-10"), "month-2023-10", "2023-10"),
    (keys.checkin("2023-11"), "checkin-2023-11", "2023-11报告"),
    (keys.missing("2023-08"), "missing-2023-08", "缺2023-08"),
    (keys.EVIDENCE_MISSING, "missing", "missing"),
    (keys.found("2023-09"), "found-2023-09", "2023-09"),
    (keys.WINDOW_OPEN, "window-1-open", "填报开放"),
    (keys.WINDOW_CLOSING, "window-2-closing", "即将截止"),
    (keys.WINDOW_MISSED, "window-3-missed", "已过填报期"),
    (keys.STALE, "stale", "久未更新"),
    (keys.FAILED, "failed", "失败"),
    (keys.RESOLVED, "resolved", "resolved"),
    ("bench", "bench", "bench"),
]


@pytest.mark.parametrize(("built", "stored", "words"), STAGES)
def test_stages_keep_their_text_and_read_in_words(built: str, stored: str, words: str) -> None:
    assert built == stored
    assert stage_label(stored, 2) == words


def test_stages_parse_into_step_and_argument() -> None:
    assert parse_stage("window-2-closing") == keys.Stage(Step.WINDOW, "2-closing")
    assert parse_stage("due") == keys.Stage(Step.DUE, None)
    assert parse_stage("bench") == keys.Stage(None, None)


def test_stages_only_move_forward() -> None:
    order = ["", "remind-5", "remind-3", "remind-1", "due", "overdue", "escalated", "month-11", "missed"]
    assert sorted(reversed(order), key=stage_rank) == order
