"""Comparators of plan format 2: ≥ > ≤ < =, between, approx with a tolerance, and alternatives
(A 或 B) — judged, worded, and read from a plan file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from collectors.plan.loader import load_plan_file
from domain.enums import Binding, Cadence, Comparator, IndicatorKind, PeriodKind, Verdict
from domain.errors import PlanFileError
from domain.evaluation import Policy, evaluate
from domain.evaluation.compare import Requirement
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.workdays import WorkCalendar

GE, GT, LE, LT, EQ = Comparator.GE, Comparator.GT, Comparator.LE, Comparator.LT, Comparator.EQ
BETWEEN, APPROX = Comparator.BETWEEN, Comparator.APPROX


@pytest.mark.parametrize(
    ("requirement", "value", "met"),
    [
        (Requirement(GE, 500), 500, True),
        (Requirement(GE, 500), 499.9, False),
        (Requirement(GT, 2), 2, False),  # 高于 …2 个百分点: strictly greater
        (Requirement(GT, 2), 2.1, True),
        (Requirement(LE, 300), 300, True),
        (Requirement(LE, 300), 301, False),
        (Requirement(LT, 60), 60, False),
        (Requirement(LT, 60), 59.9, True),
        (Requirement(EQ, 100), 100, True),  # 全部拨付到位: exactly 100 %
        (Requirement(EQ, 100), 99.9, False),
        (Requirement(BETWEEN, 3, 5), 3, True),
        (Requirement(BETWEEN, 3, 5), 5, True),
        (Requirement(BETWEEN, 3, 5), 6, False),
        (Requirement(APPROX, 2000), 1900, True),  # 约 2000 平米: ±5 % unless the plan says
        (Requirement(APPROX, 2000), 1899, False),
        (Requirement(APPROX, 2000, tolerance=10), 1800, True),
        (Requirement(APPROX, 2000, tolerance=10), 2201, False),
    ],
)
def test_each_comparator_judges(requirement: Requirement, value: float, met: bool) -> None:
    assert requirement.met(value) is met


@pytest.mark.parametrize(
    ("requirement", "unit", "words"),
    [
        (Requirement(GE, 1000), "平方米", "不少于 1,000 平方米"),
        (Requirement(GT, 2), "%", "高于 2%"),
        (Requirement(LE, 300), "平方米", "不超过 300 平方米"),
        (Requirement(LT, 1), "%", "低于 1%"),
        (Requirement(EQ, 100), "%", "达到 100%"),
        (Requirement(BETWEEN, 40, 50), "%", "在 40–50%"),
        (Requirement(APPROX, 2000, tolerance=10), "平方米", "约 2,000 平方米（允许偏差 ±10%）"),
        (Requirement(GE, 0.5), "平方公里", "不少于 0.5 平方公里"),
    ],
)
def test_each_comparator_is_worded_as_a_plan_writes_it(
    requirement: Requirement, unit: str, words: str
) -> None:
    assert requirement.words(unit) == words


def area(code: str, **changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code=code, name="面积", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="平方米", comparator=GE, target=500, target_high=None, period=PeriodKind.ONCE,
        due=date(2023, 12, 31), cadence=Cadence.ONCE,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def verdicts(*indicators: IndicatorFacts, as_of: date = date(2024, 1, 15)) -> dict[str, Verdict | None]:
    project = ProjectFacts("t", "测试项目", date(2023, 1, 1), date(2023, 12, 31), indicators=indicators)
    found = evaluate([project], as_of, WorkCalendar(), Policy(), quiet=True)
    return {f.subject.split()[0]: f.verdict for f in found if f.verdict}


def test_a_strict_floor_and_an_approximate_figure_in_the_evaluation() -> None:
    at = (MonthValue("2023-11", 500, False),)
    assert verdicts(area("A", comparator=GT, values=at))["A"] is Verdict.NOT_MET
    near = area("B", comparator=APPROX, target=520, tolerance=5, values=at)
    assert verdicts(near)["B"] is Verdict.MET
    assert verdicts(replace(near, tolerance=3))["B"] is Verdict.NOT_MET


def test_either_alternative_meets_the_standard() -> None:
    """S34: 占地面积 0.5–5 平方公里，或者建筑面积在 50 万平方米以上."""
    land = area("S34", unit="平方公里", comparator=BETWEEN, target=0.5, target_high=5, alternatives=("S34b",))
    floor = area("S34b", unit="万平方米", target=50)
    assert verdicts(land, floor) == {"S34": Verdict.NOT_REPORTED, "S34b": Verdict.NOT_REPORTED}
    built = replace(floor, values=(MonthValue("2023-10", 52, False),))
    assert verdicts(land, built) == {"S34": Verdict.MET, "S34b": Verdict.MET}
    small = replace(land, values=(MonthValue("2023-10", 0.3, False),))
    assert verdicts(small, built)["S34"] is Verdict.MET
    assert verdicts(small, floor) == {"S34": Verdict.NOT_MET, "S34b": Verdict.NOT_REPORTED}
    project = ProjectFacts("t", "t", date(2023, 1, 1), date(2023, 12, 31), indicators=(land, built))
    (met,) = [f for f in evaluate([project], date(2024, 1, 15), WorkCalendar(), Policy(), quiet=True)
              if f.subject.startswith("S34 ")]  # fmt: skip
    assert met.detail()["basis"] == "按备选要求 S34b 面积 已达标"
    assert evaluate([project], date(2024, 1, 15), WorkCalendar(), Policy()) == []  # nothing to tell


PLAN = """
project: {code: t, name: 测试项目, county: 测试县, plan_start: 2023-01-01, plan_end: 2023-12-31}
indicators:
  - {code: A, name: 增速差, unit: "%", comparator: 高于, target: 2}
  - {code: B, name: 展示中心面积, unit: 平方米, comparator: 约, target: 2000, tolerance: 10, period: once}
  - {code: C, name: 拨付率, unit: "%", comparator: "=", target: 100, period: once}
  - {code: D, name: 占地面积, unit: 平方公里, comparator: between, target: 0.5, target_high: 5,
     period: once, alternatives: [E]}
  - {code: E, name: 建筑面积, unit: 万平方米, target: 50, period: once}
"""


def test_the_comparators_are_plan_fields(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(PLAN, encoding="utf-8")
    plan = load_plan_file(path)
    assert [i.comparator for i in plan.indicators] == [GT, APPROX, EQ, BETWEEN, GE]
    assert plan.indicators[1].tolerance == 10 and plan.indicators[3].alternatives == ["E"]
    assert plan.format_version == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("alternatives: [E]", "alternatives: [F]"), "alternatives F 不在 indicators 中"),
        (("alternatives: [E]", "alternatives: [D]"), "不能包含指标自己"),
        (("comparator: 高于, target: 2", "comparator: 高于, target: 2, tolerance: 1"), "tolerance 只用于"),
        (("comparator: 高于", "comparator: 大约"), "comparator"),
    ],
)
def test_bad_comparator_fields_are_refused_clearly(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(PLAN.replace(*change), encoding="utf-8")
    with pytest.raises(PlanFileError, match=message):
        load_plan_file(path)
