"""The 闻喜县桐城e镇 example plan agrees with its source document (闻政办发〔2023〕11号).

The seed is in ``shared/seeds`` (:mod:`tests.seeds`); 附件3 (闻喜县桐城 e 镇项目建设标准) is a
tab-separated table: 项目, 序号, 建设内容, 建设标准, 属性.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from collectors.plan.loader import load_plan_file
from domain.enums import Binding, Comparator, IndicatorKind, PeriodKind
from domain.plan.schema import IndicatorSpec, PlanSpec
from tests.seeds import read_seed, squash

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wenxi.yaml"

MAIN_CODES = [f"S{n:02d}" for n in range(1, 40)]
# Counted by hand in 附件3: rows 4, 9, 10, 11, 13, 17, 21, 24, 25, 26, 28 and 38 are 期望性.
BINDING_COUNT = 27
EXPECTED_COUNT = 12
EXPECTED_ROWS = {4, 9, 10, 11, 13, 17, 21, 24, 25, 26, 28, 38}


@pytest.fixture(scope="module")
def seed_text() -> str:
    return read_seed("004_858e9ff823f0124f.txt")


@pytest.fixture(scope="module")
def table(seed_text: str) -> dict[int, tuple[str, str, str]]:
    """附件3 rows by 序号: (一级 heading carried down, 建设标准, 属性)."""
    appendix = seed_text[seed_text.index("闻喜县桐城 e 镇项目建设标准\n") :]
    rows: dict[int, tuple[str, str, str]] = {}
    heading = ""
    for line in appendix.splitlines():
        cells = line.split("\t")
        if len(cells) != 5 or not cells[1].strip().isdigit():
            continue
        heading = cells[0].strip() or heading
        rows[int(cells[1])] = (heading, cells[3].strip(), cells[4].strip())
    return rows


@pytest.fixture(scope="module")
def plan() -> PlanSpec:
    return load_plan_file(EXAMPLE)


@pytest.fixture(scope="module")
def by_code(plan: PlanSpec) -> dict[str, IndicatorSpec]:
    return {indicator.code: indicator for indicator in plan.indicators}


def test_seed_table_is_what_the_example_was_written_from(table):
    assert sorted(table) == list(range(1, 40))
    attributes = [attribute for _, _, attribute in table.values()]
    assert attributes.count("约束性") == BINDING_COUNT
    assert attributes.count("期望性") == EXPECTED_COUNT
    assert {n for n, (_, _, a) in table.items() if a == "期望性"} == EXPECTED_ROWS


def test_every_standard_appears_exactly_once(plan):
    codes = [indicator.code for indicator in plan.indicators]
    for code in MAIN_CODES:
        assert codes.count(code) == 1, code
    bare = [code for code in codes if re.fullmatch(r"S\d+", code)]
    assert sorted(bare) == MAIN_CODES


def test_binding_counts(by_code):
    bindings = [by_code[code].binding for code in MAIN_CODES]
    assert bindings.count(Binding.BINDING) == BINDING_COUNT
    assert bindings.count(Binding.EXPECTED) == EXPECTED_COUNT
    expected = {int(code[1:]) for code in MAIN_CODES if by_code[code].binding is Binding.EXPECTED}
    assert expected == EXPECTED_ROWS


def test_rows_match_the_table(by_code, table):
    words = {"约束性": Binding.BINDING, "期望性": Binding.EXPECTED}
    for number, (heading, standard, attribute) in table.items():
        indicator = by_code[f"S{number:02d}"]
        assert squash(indicator.requirement or "") == squash(standard), indicator.code
        assert indicator.binding is words[attribute], indicator.code
        assert indicator.category == heading, indicator.code
        assert len(indicator.name) <= 20, indicator.code


def test_requirements_are_quoted_from_the_seed(plan, seed_text):
    seed = squash(seed_text)
    quoted = [i for i in plan.indicators if i.kind is not IndicatorKind.GROWTH]
    assert len(quoted) > len(MAIN_CODES)  # sub-indicators and body targets are checked too
    for indicator in quoted:
        assert indicator.requirement, indicator.code
        assert squash(indicator.requirement) in seed, indicator.code


def test_sub_indicators_belong_to_their_standard(plan, by_code):
    for indicator in plan.indicators:
        match = re.fullmatch(r"(S\d\d)[a-z]", indicator.code)
        if not match:
            continue
        parent = by_code[match.group(1)]
        assert indicator.binding is parent.binding, indicator.code
        assert indicator.category == parent.category, indicator.code
        if indicator.kind is not IndicatorKind.GROWTH:
            assert squash(indicator.requirement or "") in squash(parent.requirement or "")


def test_project_period(plan):
    assert plan.project.code == "wenxi"
    assert plan.project.county == "闻喜县"
    assert plan.project.plan_start == date(2023, 1, 1)
    assert plan.project.plan_end == date(2023, 12, 31)


def test_deliverables_fall_due_at_plan_end(plan, by_code):
    deliverables = [i for i in plan.indicators if i.kind is IndicatorKind.DELIVERABLE]
    assert {"S01", "S06", "S12", "S38"} <= {i.code for i in deliverables}
    for indicator in deliverables:
        assert indicator.due == plan.project.plan_end, indicator.code


def test_network_retail_sales(by_code):
    s36 = by_code["S36"]
    assert s36.kind is IndicatorKind.NUMERIC
    assert (s36.target, s36.unit, s36.period) == (3000, "万元", PeriodKind.PER_YEAR)
    assert s36.comparator is Comparator.GE
    assert s36.binding is Binding.BINDING
    assert (s36.source, s36.source_field) == ("wenxi-backend", "网络零售额（万元）")
    growth = by_code["S36g"]
    assert (growth.kind, growth.target, growth.unit) == (IndicatorKind.GROWTH, 10, "%")


def test_exhibition_centre_is_a_range(by_code):
    s22 = by_code["S22"]
    assert s22.comparator is Comparator.BETWEEN
    assert (s22.target, s22.target_high, s22.unit) == (100, 300, "平方米")
    s34 = by_code["S34"]
    assert s34.comparator is Comparator.BETWEEN
    assert (s34.target, s34.target_high, s34.unit) == (0.5, 5, "平方公里")


def test_single_figures(by_code):
    assert by_code["S04"].binding is Binding.EXPECTED
    s35 = by_code["S35"]
    assert (s35.target, s35.unit) == (20000, "万元")  # 2 亿元
    s33 = by_code["S33"]
    assert (s33.target, s33.unit, s33.period) == (15000, "万元", PeriodKind.PER_YEAR)
    assert (by_code["S33g"].kind, by_code["S33g"].target) == (IndicatorKind.GROWTH, 2)
    assert (by_code["S05"].target, by_code["S05"].unit) == (5, "家")
    assert (by_code["S18"].target, by_code["S18"].unit) == (5, "人")
    s23 = by_code["S23"]
    assert (s23.target, s23.unit, s23.period) == (500, "平方米", PeriodKind.ONCE)
    s37 = by_code["S37"]
    assert (s37.target, s37.period, s37.source) == (10, PeriodKind.PER_YEAR_PER_TOWN, None)
    assert by_code["S38"].kind is IndicatorKind.DELIVERABLE


def test_body_targets_do_not_duplicate_standards(plan):
    body = [i for i in plan.indicators if i.code.startswith("T")]
    assert [(i.target, i.target_high) for i in body] == [
        (3, 5), (1, 3),  # 一、建设目标
        (1000, None), (300, None), (10, None), (4, None), (1, None), (2, None), (8, None), (60, None),  # 三
        (1, None), (50, None), (1, None), (1, None), (5, 10), (1, None), (3, None), (2, None), (2, None),
        (1, None), (100, None), (5, None), (1, None),  # the rest of 三
        (40, 50), (30, 40), (20, 30),  # 五（二）: the provincial fund's split
    ]  # fmt: skip
    assert not any(i.unit == "万元" for i in body)  # 3000 万元 and 1.5 亿元 live in S36 / S33


def test_people_and_channels(plan):
    people = {person.name: person for person in plan.people}
    assert people["解更生"].role.startswith("组长")
    assert people["李欣"].role.startswith("副组长")
    assert "办公室主任" in people["杨双旭"].role
    assert len(people) == 23
    channels = {channel.code: channel for channel in plan.channels}
    work, leaders = channels["wenxi-work"], channels["wenxi-leaders"]
    assert work.kind == "wecom_robot" and not work.leadership
    assert "杨双旭" in work.members
    assert work.settings == {"webhook_key": "${DUBAN_WECOM_KEY_WENXI}"}
    assert leaders.kind == "email" and leaders.leadership
    assert {"解更生", "李欣"} <= set(leaders.members)
