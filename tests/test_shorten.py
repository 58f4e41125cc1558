"""Shortened problem texts: cut only at a clause end, never inside a number, unit or quotation.

The property is checked over every item text of every example (and every deliverable's and
indicator's requirement text) at the limits the messages use, and over generated strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.plan.loader import load_plan_or_rules
from domain.plan.ruleset import RuleSetSpec
from notifiers.shorten import ELLIPSIS, shorten

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))
LIMITS = (20, 30, 50, 60, 80)
NUMBER = re.compile(r"\d+(?:[.,，]\d+)*")


def example_texts() -> list[str]:
    texts = []
    for path in EXAMPLES:
        plan = load_plan_or_rules(path)
        if isinstance(plan, RuleSetSpec):  # a provincial notice: its requirements, batch by batch
            texts += [i.requirement for b in plan.batches for i in b.indicators if i.requirement]
            continue
        texts += [i.problem for i in plan.rectification.items] if plan.rectification else []
        texts += [i.measures for i in plan.rectification.items if i.measures] if plan.rectification else []
        texts += [i.requirement for i in plan.indicators if getattr(i, "requirement", None)]
    return [" ".join(t.split()) for t in texts]


def assert_cut_cleanly(text: str, limit: int) -> None:
    result = shorten(text, limit)
    text = " ".join(text.split())  # messages put an item on one line: runs of white space are one
    if not result.cut:
        assert result.text == text
        return
    kept = result.text.removesuffix(ELLIPSIS)
    assert result.text.endswith(ELLIPSIS) and text.startswith(kept)
    rest = text[len(kept) :]
    # the cut is not inside a number: the kept part does not end in a digit followed by one
    assert not (kept[-1:].isdigit() and rest[:1].isdigit()), (kept, rest)
    # every number in the kept part is a whole number of the original (2,000 is not 2)
    for match in NUMBER.finditer(kept):
        whole = NUMBER.match(text, match.start())
        assert whole is not None and whole.end() == match.end(), (kept, rest)
    # and it ends where a reader would pause
    assert rest[:1] in set("，。；：、,;: !?！？"), (kept, rest)
    for opener, closer in ("“”", "【】", "（）", "《》"):
        assert kept.count(opener) == kept.count(closer), (kept, opener)


def test_every_example_text_is_cut_only_at_a_clause_end() -> None:
    texts = example_texts()
    assert len(texts) > 50  # all three examples were read
    for text in texts:
        for limit in LIMITS:
            assert_cut_cleanly(text, limit)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # 昭化: the document says 3500人次 and 2000元; they were cut to "350…" and "200…"
        (
            "【项目完成方面问题】培训完成率较低。按照实施方案,在乡镇、村计划开展基础普及性的公开免费培训3500人次,"
            "截至现场评价日,完成培训1149人次。",
            "【项目完成方面问题】培训完成率较低。按照实施方案,在乡镇、村计划开展基础普及性的公开免费培训3500人次",
        ),
        (
            "【项目效果方面问题】站点运营效果欠佳。评价小组随机抽查5个村级站点,有3个站点月均营业额不足2000元。"
            "评价小组随机抽查的站点均未建立台账。",
            "【项目效果方面问题】站点运营效果欠佳。评价小组随机抽查5个村级站点,有3个站点月均营业额不足2000元",
        ),
    ],
)
def test_the_numbers_of_the_issue_stay_whole(text: str, kept: str) -> None:
    result = shorten(text, 60)
    assert result.cut and result.text == kept + ELLIPSIS


def test_a_thousands_separator_is_not_a_clause_end() -> None:
    text = "计划总投资4,029.50万元，截至评价日完成投资1,234.56万元，投资完成率为30.6%，低于序时进度要求。"
    result = shorten(text, 20)
    assert result.text == "计划总投资4,029.50万元……"


def test_a_quotation_is_not_cut() -> None:
    text = "资金奖励办法还未制定公布，“放管服，便民利企”文件未出台，金融服务网点和通讯服务网点还未签订合同。"
    assert "“放管服，" not in shorten(text, 20).text


WORDS = ["培训", "人次", "元", "万元", "“小而美”", "【问题】", "（2018年11月）"]
NUMBERS = ["3500", "2,000", "33377.78", "1"]
MARKS = ["，", "。", "、", "；", " ", ","]
PIECES = st.sampled_from(WORDS + NUMBERS + MARKS)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=60), st.integers(min_value=8, max_value=80))
def test_generated_texts_are_never_cut_inside_a_number(pieces: list[str], limit: int) -> None:
    assert_cut_cleanly("".join(pieces), limit)
