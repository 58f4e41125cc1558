"""The one sort key of the CLI, the page and the messages: the order documents number things in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from domain.keys import chinese_numeral, natural_key
from tests.conftest import EXAMPLES

# Each list is in the order a person reading the document expects.
ORDERS = [
    ["问题1", "问题2", "问题10", "问题12", "问题14"],  # not 问题1, 问题10, 问题12, 问题14, 问题2
    ["复核组问题2", "复核组问题12", "评价组问题1"],
    ["1.(2)", "1.(3)", "1.(10)", "2.(1)"],  # 复核组 as its report numbers it
    [
        "(一)(2)",
        "(二)(2)",
        "(二)(10)",
        "(三)(1)",
        "(十)(1)",
        "(十一)(1)",
        "(二十)(1)",
    ],  # 三 sorts before 二 by code point
    ["第九批", "第十批", "第十二批"],
]


@pytest.mark.parametrize("expected", ORDERS, ids=lambda order: order[0])
def test_numbered_labels_sort_as_the_document_numbers_them(expected: list[str]) -> None:
    assert sorted(reversed(expected), key=natural_key) == expected
    assert sorted(sorted(expected), key=natural_key) == expected


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (2, "二"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")],
)
def test_section_numbers_are_written_as_the_report_writes_them(n: int, text: str) -> None:
    assert chinese_numeral(n) == text
    assert natural_key(f"({text})") == natural_key(f"({n})")  # and read back as the same number


def test_duban_alerts_lists_problems_as_the_plan_numbers_them(tmp_path: Path) -> None:
    environ = {"DUBAN_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    for args in (["import", str(EXAMPLES / "pianguan.yaml")], ["notify", "--as-of", "2023-10-12"]):
        assert runner.invoke(main, args, env=environ).exit_code == 0
    listed = runner.invoke(main, ["alerts", "--project", "pianguan", "--json"], env=environ)
    subjects = [row["subject"] for row in json.loads(listed.output) if row["subject"].startswith("问题")]
    # 问题1, 问题2 … 问题9, 问题12 — not 问题1, 问题12, 问题14 … 问题2 as text would have it
    assert subjects == [f"问题{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17)]
