"""Plan files are typed strictly (issue 16, item 5 and the Low item on targets and numbers).

YAML's implicit conversions are off: an unquoted ``2023-02-30`` or ``25:00:00`` is text the plan
schema refuses with the file, line and field, never a traceback or a number; a key written twice is
refused; a target must be a number (not ``true``) and not negative; an item number is not ``yes``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.wiring import App
from collectors.plan.loader import load_plan_file
from tests.test_bad_input_plans import INDICATOR, assert_refused
from tests.test_plan_import import MINIMAL, items

BEFORE_ITEMS = MINIMAL.split("rectification:")[0]


def deadline(text: str) -> str:
    return MINIMAL.replace("deadline: 10月底", f"deadline: {text}")


def indicator(extra: str) -> str:
    return BEFORE_ITEMS + "indicators:\n  - code: S36\n    name: 网络零售额\n    unit: 万元\n" + extra


REFUSED: list[tuple[str, str, str, int, str]] = [
    # (case, YAML text, words in the error, line, field)
    ("30 February", deadline("2023-02-30"), "不存在这一天", 21, "rectification.items.0.deadline"),
    ("month 13", deadline("2023-13-01"), "不存在这一天", 21, "rectification.items.0.deadline"),
    ("hour 25", deadline("25:00:00"), "不写时刻", 21, "rectification.items.0.deadline"),
    (
        "a date with hour 25",
        deadline("2023-10-15 25:00:00"),
        "不写时刻",
        21,
        "rectification.items.0.deadline",
    ),
    (
        "plan_end 30 February",
        MINIMAL.replace("  county: 演示县\n", "  county: 演示县\n  plan_end: 2023-02-30\n"),
        "不存在这一天",
        5,
        "project.plan_end",
    ),
    (
        "two project sections",
        MINIMAL + "project:\n  code: other\n",
        "写了两次（第 1 行和第 22 行）",
        22,
        "project",
    ),
    (
        "a key twice in one item",
        MINIMAL.replace("      persons: 高权\n", "      persons: 高权\n      persons: 王雪\n"),
        "写了两次",
        21,
        "rectification.items.0.persons",
    ),
    ("negative target", BEFORE_ITEMS + INDICATOR.format("-5"), "不能为负数", 19, "indicators.0.target"),
    ("target: true", BEFORE_ITEMS + INDICATOR.format("true"), "不能是真假值", 19, "indicators.0.target"),
    (
        "negative yearly target",
        indicator("    targets:\n      - {year: 2023, value: -1}\n"),
        "不能为负数",
        20,
        "indicators.0.targets.0.value",
    ),
    (
        "yearly target: yes",
        indicator("    targets:\n      - {year: 2023, value: yes}\n"),
        "不能是真假值",
        20,
        "indicators.0.targets.0.value",
    ),
    (
        "number: yes",
        MINIMAL.replace("number: 1", "number: yes"),
        "不能是真假值",
        18,
        "rectification.items.0.number",
    ),
]


@pytest.mark.parametrize(
    ("text", "words", "line", "field"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_a_mistyped_plan_is_refused_naming_file_line_and_field(
    app: App, tmp_path: Path, text: str, words: str, line: int, field: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    error = assert_refused(app, tmp_path, bad, words, line=line)
    assert str(bad) in str(error) and f"字段 {field}" in str(error)


def test_an_unquoted_iso_deadline_reads_as_before(app: App, tmp_path: Path) -> None:
    """Without YAML's dates the text is parsed by the schema, and worded as a date cell is."""
    for name, text in (("bare", "2023-10-15"), ("quoted", '"2023-10-15"')):
        plan = tmp_path / f"{name}.yaml"
        plan.write_text(deadline(text).replace("code: demo", f"code: {name}"), encoding="utf-8")
        spec = load_plan_file(plan)
        item = spec.rectification.items[0] if spec.rectification else None
        assert item is not None and str(item.deadline) == "2023-10-15"
        assert item.deadline_text == "2023年10月15日"


def test_a_falling_growth_rate_may_be_a_target(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        indicator("    kind: growth\n    target: -3\n").replace("unit: 万元", "unit: '%'"), encoding="utf-8"
    )
    assert load_plan_file(plan).indicators[0].target == -3


def test_a_quoted_yes_is_an_item_number(app: App, tmp_path: Path) -> None:
    from jobs.import_plans import import_files

    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.replace("number: 1", 'number: "yes"'), encoding="utf-8")
    import_files(app.engine, [plan])
    assert set(items(app)) == {"yes"}
