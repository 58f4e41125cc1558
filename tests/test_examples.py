"""The example plan files, checked against the documents they were copied from.

``examples/pianguan.yaml`` and ``examples/zhaohua.yaml`` are transcriptions of two real documents in
``shared/seeds/`` (:mod:`tests.seeds`). These tests load each file through
the real loader and compare it with the seed text, so a dropped item, a miscopied deadline or a
wrong 销号 status fails here rather than in a reminder sent to a county office.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from collectors.plan.loader import load_plan_file
from domain.enums import ItemStatus
from domain.plan.names import canonical_units
from domain.plan.schema import ItemSpec, PlanSpec
from tests.seeds import read_seed, squash

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PIANGUAN_SEED = "000_b965860005accbd3.txt"
ZHAOHUA_SEED = "001_d2c33bb255dc6fe3.txt"
SECRET_WORDS = ("key", "secret", "password", "token")


def items_of(plan: PlanSpec, batch: str = "") -> list[ItemSpec]:
    assert plan.rectification is not None
    return [item for item in plan.rectification.items if item.batch == batch]


def by_number(plan: PlanSpec, batch: str = "") -> dict[str, ItemSpec]:
    return {item.number: item for item in items_of(plan, batch)}


@pytest.fixture(scope="module")
def pianguan() -> PlanSpec:
    return load_plan_file(EXAMPLES / "pianguan.yaml")


@pytest.fixture(scope="module")
def zhaohua() -> PlanSpec:
    return load_plan_file(EXAMPLES / "zhaohua.yaml")


@pytest.fixture(scope="module", params=["pianguan", "zhaohua"])
def plan(request: pytest.FixtureRequest) -> PlanSpec:
    return load_plan_file(EXAMPLES / f"{request.param}.yaml")


# --- both files ---------------------------------------------------------------------------------


def test_contacts_are_placeholders(plan: PlanSpec) -> None:
    for person in plan.people:
        assert person.mobile is not None and person.mobile.startswith("1380000"), person.name
        assert person.email is not None and person.email.endswith("@example.com"), person.name


def test_secrets_are_environment_references(plan: PlanSpec) -> None:
    for channel in plan.channels:
        for key, value in channel.settings.items():
            if any(word in key for word in SECRET_WORDS):
                assert re.fullmatch(r"\$\{DUBAN_[A-Z0-9_]+\}", value), (channel.code, key)


def test_has_a_work_group_and_a_leadership_channel(plan: PlanSpec) -> None:
    kinds = {(channel.kind, channel.leadership) for channel in plan.channels}
    assert ("wecom_robot", False) in kinds
    assert ("email", True) in kinds
    assert all(channel.members for channel in plan.channels)


# --- 偏关县 (000) -------------------------------------------------------------------------------


def pianguan_blocks(seed: str) -> list[dict[str, str]]:
    """The seed's 反馈问题 sections: problem, measures, units, persons and deadline as written."""
    section = seed.split("## 四、整改内容和措施", 1)[1].split("## **五、工作要求**", 1)[0]
    pattern = (
        r"\*\*反馈问题[一二三四五六七八九十]+：\*\*(?P<problem>.*?)"
        r"\*\*整改措施：\*\*(?P<measures>.*?)\*\*责任单位：\*\*(?P<units>.*?)"
        r"\*\*责任人：\*\*(?P<persons>.*?)\*\*整改时限：\*\*(?P<deadline>.*?)(?=\*\*反馈问题|\Z)"
    )
    blocks = [m.groupdict() for m in re.finditer(pattern, section, flags=re.DOTALL)]
    return [{key: value.strip() for key, value in block.items()} for block in blocks]


def test_pianguan_has_all_17_problems_in_order(pianguan: PlanSpec) -> None:
    seed = read_seed(PIANGUAN_SEED)
    items = items_of(pianguan)
    assert seed.count("**反馈问题") == len(items) == 17
    assert [item.number for item in items] == [str(n) for n in range(1, 18)]


def test_pianguan_items_match_the_seed(pianguan: PlanSpec) -> None:
    blocks = pianguan_blocks(read_seed(PIANGUAN_SEED))
    items = items_of(pianguan)
    assert len(blocks) == len(items)
    for item, block in zip(items, blocks, strict=True):
        assert squash(item.problem) == squash(block["problem"]), item.number
        assert squash(item.measures) == squash(block["measures"]), item.number
        assert item.units == block["units"].split("、"), item.number
        assert item.persons == block["persons"].split("、"), item.number
        assert item.deadline_text == squash(block["deadline"]), item.number


def test_pianguan_problem_texts_occur_in_the_seed(pianguan: PlanSpec) -> None:
    seed = squash(read_seed(PIANGUAN_SEED))
    for item in items_of(pianguan):
        assert squash(item.problem) in seed, item.number


def test_pianguan_deadlines(pianguan: PlanSpec) -> None:
    items = by_number(pianguan)
    assert Counter(item.deadline for item in items.values()) == {
        date(2023, 10, 15): 14,
        date(2023, 10, 20): 1,
        date(2023, 10, 31): 2,
    }
    assert items["13"].deadline == date(2023, 10, 20)
    assert items["10"].deadline == items["11"].deadline == date(2023, 10, 31)
    assert items["10"].deadline_text == "2023年10月底"  # as written, spaces folded
    assert items["6"].deadline_text == "2023年10月15日"
    assert not any(item.ongoing for item in items.values())


def test_pianguan_persons_and_units(pianguan: PlanSpec) -> None:
    items = by_number(pianguan)
    assert items["1"].persons == ["高权"] and items["1"].units == ["偏关县工信局"]
    for number in map(str, range(2, 18)):
        assert items[number].persons == ["高权", "王雪"], number
        assert items[number].units == ["偏关县工信局", "山西乐村淘网络科技有限公司"], number
    people = {person.name for person in pianguan.people}
    assert {"高权", "王雪"} <= people


def test_pianguan_samples(pianguan: PlanSpec) -> None:
    items = by_number(pianguan)
    assert "199.88万元" in squash(items["14"].problem)
    assert items["14"].problem == (
        "乡村 e 镇范围内的网络零售额为 199.88 万元，不达标，未能提供数据后台证明材料。"
    )
    assert items["5"].problem == "尚未开展跨境电商业务。"
    assert items["2"].measures.splitlines()[1] == "2. 通知中标单位提供已拨付专项资金财务资料；"
    assert all(item.status is ItemStatus.OPEN for item in items.values())


def test_pianguan_ledger_matches_the_plan(pianguan: PlanSpec) -> None:
    sheet = load_workbook(EXAMPLES / "pianguan-ledger.xlsx").worksheets[0]
    assert sheet["A1"].value == "偏关县乡村e镇建设项目中期绩效评价反馈问题整改台账（2023年）"
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:H1"]
    header = [cell.value for cell in sheet[2]]
    assert header == [
        "序号",
        "反馈问题",
        "整改措施",
        "责任单位",
        "责任人",
        "整改时限",
        "整改结果",
        "销号情况",
    ]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    items = items_of(pianguan)
    assert [row[0] for row in rows] == list(range(1, len(items) + 1))
    assert [row[1] for row in rows] == [item.problem for item in items]
    assert [row[4] for row in rows] == ["、".join(item.persons) for item in items]
    date_cells = [row[5] for row in rows if isinstance(row[5], datetime)]
    assert len(date_cells) == 2
    assert {row[7] for row in rows} == {"未销号"}


# --- 昭化区 (001) -------------------------------------------------------------------------------

ZHAOHUA_FIELDS = ("整改措施", "责任单位", "配合单位", "完成时限", "整改结果", "销号情况")


def zhaohua_entries(seed: str) -> dict[str, list[dict[str, str]]]:
    """The report body's problems per batch, each with the fields the report gives for it."""
    body = seed.split("\n问题整改情况\n", 1)[1].split("\n四、下一步安排\n", 1)[0]
    review, evaluation = body.split("(二)省绩效评价组发现问题及整改情况", 1)
    entries: dict[str, list[dict[str, str]]] = {}
    for batch, text in (("复核组", review), ("评价组", evaluation)):
        found: list[dict[str, str]] = []
        for line in (raw.strip() for raw in text.splitlines()):
            if match := re.match(r"^\((\d+)\)(.+)$", line):
                found.append({"problem": match.group(2)})
            elif match := re.match(rf"^({'|'.join(ZHAOHUA_FIELDS)}):(.+)$", line):
                found[-1][match.group(1)] = match.group(2)
        entries[batch] = found
    return entries


def test_zhaohua_has_15_review_and_10_evaluation_problems(zhaohua: PlanSpec) -> None:
    seed = read_seed(ZHAOHUA_SEED)
    review, evaluation = items_of(zhaohua, "复核组"), items_of(zhaohua, "评价组")
    assert [item.number for item in review] == [str(n) for n in range(1, 16)]
    assert [item.number for item in evaluation] == [str(n) for n in range(1, 11)]
    assert zhaohua.rectification is not None
    assert len(zhaohua.rectification.items) == len(review) + len(evaluation)
    assert seed.count("销号情况") == len(zhaohua.rectification.items) == 25


def test_zhaohua_status_counts_agree_with_the_body_and_the_summary(zhaohua: PlanSpec) -> None:
    seed = read_seed(ZHAOHUA_SEED)
    batches = (("复核组", "商务部复核组", 8, 7), ("评价组", "省绩效评价组", 4, 6))
    for batch, label, closed, still_open in batches:
        summary = re.search(rf"{label}发现问题(\d+)个,已销号问题(\d+)个,(\d+)个问题正在加紧", seed)
        assert summary is not None
        assert tuple(map(int, summary.groups())) == (closed + still_open, closed, still_open)
        counts = Counter(item.status for item in items_of(zhaohua, batch))
        assert counts == {ItemStatus.CLOSED: closed, ItemStatus.OPEN: still_open}, batch


def test_zhaohua_items_match_the_report_body(zhaohua: PlanSpec) -> None:
    entries = zhaohua_entries(read_seed(ZHAOHUA_SEED))
    for batch, found in entries.items():
        items = items_of(zhaohua, batch)
        assert len(items) == len(found), batch
        for item, entry in zip(items, found, strict=True):
            where = f"{batch} {item.number}"
            prefixed = re.fullmatch(r"【[^】]+】(.+)", item.problem, flags=re.DOTALL)
            assert prefixed is not None, where  # 【section heading】 + the body's sub-problem
            assert prefixed.group(1) == entry["problem"], where
            assert item.measures == entry["整改措施"], where
            units = [unit.rstrip("。") for unit in entry["责任单位"].split("、")]
            if "配合单位" in entry:
                units += entry["配合单位"].split("、")
            # The report's second spelling of a unit is read as its one name (unit_aliases).
            one_name = canonical_units(zhaohua.unit_aliases)
            assert item.units == list(dict.fromkeys(one_name.get(u, u) for u in units)), where
            assert item.deadline_text == entry["完成时限"], where
            assert item.ongoing == ("并长期坚持" in entry["完成时限"]), where
            expected = ItemStatus.CLOSED if entry["销号情况"] == "已销号" else ItemStatus.OPEN
            assert item.status is expected, where
            assert item.result == entry["整改结果"], where
            assert item.persons == [], where  # the report names no 责任人 for any item


@pytest.mark.parametrize(
    ("batch", "number", "deadline", "ongoing", "status"),
    [
        ("复核组", "1", date(2019, 10, 30), False, ItemStatus.OPEN),
        ("复核组", "2", date(2019, 5, 20), False, ItemStatus.CLOSED),
        ("复核组", "4", date(2019, 9, 30), True, ItemStatus.OPEN),
        ("复核组", "12", date(2019, 5, 30), True, ItemStatus.CLOSED),
        ("评价组", "4", date(2019, 9, 30), True, ItemStatus.OPEN),
        ("评价组", "5", date(2019, 10, 30), False, ItemStatus.OPEN),
        ("评价组", "8", date(2019, 5, 20), False, ItemStatus.CLOSED),
    ],
)
def test_zhaohua_deadline_samples(
    zhaohua: PlanSpec, batch: str, number: str, deadline: date, ongoing: bool, status: ItemStatus
) -> None:
    item = by_number(zhaohua, batch)[number]
    assert (item.deadline, item.ongoing, item.status) == (deadline, ongoing, status)


def test_zhaohua_text_samples(zhaohua: PlanSpec) -> None:
    review, evaluation = by_number(zhaohua, "复核组"), by_number(zhaohua, "评价组")
    assert review["8"].problem == ("【项目管理问题】向商务部信息系统填报月报不完整,日报未实现智能对接。")
    assert review["2"].units == [
        "各乡镇人民政府",
        "区农业农村局",
        "区商务和经济合作局",
        "区电信分公司",
    ]
    assert review["2"].deadline_text == "2019年5月20日前"
    assert review["4"].deadline_text == "2019年9月30日前,并长期坚持"
    assert evaluation["4"].deadline_text == "2019年9月30前,并长期坚持"
    assert evaluation["6"].units == ["区商务和经济合作局", "区农业农村局", "区文化旅游和体育局"]
    assert evaluation["3"].measures == (
        "及时反馈给培训主体万农合创科技有限公司,要求企业在今后的培训过程中注重影像资料的收集。"
    )
    assert review["14"].result is not None and review["14"].result.endswith("满意度为96%。")
