"""Splitting long messages at line boundaries, under a byte limit, never inside a character."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from notifiers.split import cut_at_char, split_text, utf8_len

LINE = st.text(alphabet=st.sampled_from(list("督办提醒整改abc 123，。🙂")), max_size=300)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=80), st.integers(min_value=64, max_value=600))
def test_pieces_fit_and_keep_every_character_in_order(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    pieces = split_text(text, limit)
    assert all(utf8_len(p) <= limit for p in pieces)
    # Every character comes back in order; only whitespace-only lines at a cut may be dropped.
    assert "".join("".join(p.split()) for p in pieces) == "".join("".join(line.split()) for line in lines)


def test_cut_never_splits_a_character() -> None:
    text = "督办🙂" * 50
    for limit in range(4, 40):
        pieces = cut_at_char(text, limit)
        assert "".join(pieces) == text
        assert all(utf8_len(p) <= limit for p in pieces)


def test_ten_kilobyte_digest_splits_at_lines_near_the_limit() -> None:
    line = "高权、王雪：问题{}：专项资金未下拨，中标单位未提供垫付资金支出所有财务资料，时限 2023年10月15日。"
    text = "\n".join(line.format(i) for i in range(75))
    assert utf8_len(text) > 10_000
    pieces = split_text(text, 4000)
    assert len(pieces) == math.ceil(utf8_len(text) / 4000)  # 3: no piece wasted
    assert all(utf8_len(p) <= 4000 for p in pieces)
    assert [ln for p in pieces for ln in p.split("\n")] == text.split("\n")  # whole lines, in order


def test_pieces_end_before_a_section_heading_when_one_is_near() -> None:
    section = "**【紧急】整改逾期**\n" + "\n".join(f"{i}. 问题{i}：未提供佐证材料。" for i in range(30))
    text = "\n\n".join([section] * 3)
    pieces = split_text(text, utf8_len(section) + 200)
    assert all(p.startswith("**【紧急】") for p in pieces)


def test_a_table_is_cut_between_rows_and_its_header_repeated() -> None:
    header = "| 指标 | 完成 | 目标 |\n| --- | --- | --- |"
    rows = [f"| 网络零售额{i} | {i * 10} 万元 | 3000 万元 |" for i in range(60)]
    text = "统计表：\n" + header + "\n" + "\n".join(rows)
    pieces = split_text(text, 600)
    assert len(pieces) > 2
    for piece in pieces[1:]:
        assert piece.startswith(header)
    body_rows = [ln for p in pieces for ln in p.split("\n") if ln.startswith("| 网络零售额")]
    assert body_rows == rows  # every row once, whole
