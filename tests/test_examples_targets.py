"""The numeric targets added with plan format 2, checked number by number against the seeds.

闻喜 (004): the body targets beyond the 附件3 standards and S34's alternative; 偏关 (000) and
昭化 (001): the targets written into the measures, attached to their items. Each quotes its
clause from the seed and its figures are the clause's own; the few worded figures are listed
with their reading.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from collectors.plan.loader import load_plan_file
from domain.enums import Comparator
from domain.errors import PlanFileError
from domain.plan.schema import IndicatorSpec, PlanSpec
from tests.scenario_world import EXAMPLES
from tests.seeds import read_seed, squash

# Figures the document writes in words or another unit, and how the plan file reads them.
WORDED = {
    "T08": "各一部: one 农特产品 film and one 电商发展 film, 2 部",
    "P11": "1 万以上粉丝: 10000 人",
    "Z04b": "串联所有村级站点: = 100 %",
    "Z13c": "建档立卡贫困村全覆盖: = 100 %",
}


def numbers(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}


def new_targets(plan: PlanSpec, codes: re.Pattern[str]) -> list[IndicatorSpec]:
    return [i for i in plan.indicators if codes.fullmatch(i.code)]


@pytest.mark.parametrize(
    ("example", "seed", "codes", "count"),
    [
        ("wenxi", "004_858e9ff823f0124f.txt", r"T(0[3-9]|[12]\d)|S34b", 25),
        ("pianguan", "000_b965860005accbd3.txt", r"P\d+[a-z]?", 8),
        ("zhaohua", "001_d2c33bb255dc6fe3.txt", r"Z\d+[a-z]?", 12),
    ],
)
def test_each_new_target_is_the_documents_own(example: str, seed: str, codes: str, count: int) -> None:
    plan = load_plan_file(EXAMPLES / f"{example}.yaml")
    text = squash(read_seed(seed))
    targets = new_targets(plan, re.compile(codes))
    assert len(targets) == count
    for indicator in targets:
        assert indicator.requirement and squash(indicator.requirement) in text, indicator.code
        if indicator.code in WORDED:
            continue
        said = numbers(indicator.requirement)
        assert indicator.target in said, indicator.code
        if indicator.target_high is not None:
            assert indicator.target_high in said, indicator.code


def test_worded_figures_are_read_as_listed() -> None:
    wenxi = {i.code: i for i in load_plan_file(EXAMPLES / "wenxi.yaml").indicators}
    pianguan = {i.code: i for i in load_plan_file(EXAMPLES / "pianguan.yaml").indicators}
    assert "各一部" in (wenxi["T08"].requirement or "") and wenxi["T08"].target == 2
    assert "1 万以上" in (pianguan["P11"].requirement or "") and pianguan["P11"].target == 10000


def test_s34_has_its_alternative_and_the_fund_shares_are_bands() -> None:
    wenxi = {i.code: i for i in load_plan_file(EXAMPLES / "wenxi.yaml").indicators}
    assert wenxi["S34"].alternatives == ["S34b"]
    s34b = wenxi["S34b"]
    assert (s34b.target, s34b.unit, s34b.comparator) == (50, "万平方米", Comparator.GE)
    bands = [(wenxi[c].target, wenxi[c].target_high) for c in ("T11", "T12", "T13")]
    assert bands == [(40, 50), (30, 40), (20, 30)]
    assert all(wenxi[c].comparator is Comparator.BETWEEN for c in ("T11", "T12", "T13"))


def test_pianguan_targets_take_their_items_deadline_and_people() -> None:
    plan = load_plan_file(EXAMPLES / "pianguan.yaml")
    dues = {i.code: i.due for i in plan.indicators}
    assert dues == {
        "P04": date(2023, 10, 15), "P05": date(2023, 10, 15), "P08": date(2023, 10, 15),
        "P10a": date(2023, 10, 31), "P10b": date(2023, 10, 31), "P10c": date(2023, 10, 31),
        "P11": date(2023, 10, 31), "P13": date(2023, 10, 20),
    }  # fmt: skip
    assert all(i.responsible_persons == ["高权", "王雪"] for i in plan.indicators)
    p04 = next(i for i in plan.indicators if i.code == "P04")
    assert p04.comparator is Comparator.GT  # 主导产业>30%: strictly more


def test_zhaohua_targets_name_their_item_by_batch_and_number(tmp_path) -> None:
    plan = load_plan_file(EXAMPLES / "zhaohua.yaml")
    by_code = {i.code: i for i in plan.indicators}
    assert (by_code["Z14"].item, by_code["Z14"].due) == ("评价组/4", date(2019, 9, 30))
    assert by_code["Z04b"].due == date(2019, 6, 30)  # its own date comes before the item's
    assert (by_code["Z03b"].comparator, by_code["Z13c"].comparator) == (Comparator.GT, Comparator.EQ)
    text = (EXAMPLES / "zhaohua.yaml").read_text(encoding="utf-8").replace("item: 评价组/4", "item: '4'")
    path = tmp_path / "zhaohua.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError, match="item 4 在多个批次中都有，请写成 批次/编号"):
        load_plan_file(path)
