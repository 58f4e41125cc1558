"""Names written two ways in a plan: unit aliases, look-alike warnings, and a person's typo."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.plan.loader import load_plan_file
from domain.errors import PlanFileError
from domain.plan.names import closest, near_people, near_units

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _variant(tmp_path: Path, example: str, old: str, new: str, count: int = 1) -> Path:
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / example
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_an_item_person_not_in_people_is_an_error_with_the_closest_name(tmp_path: Path) -> None:
    path = _variant(tmp_path, "pianguan.yaml", "      persons: [高权]\n", "      persons: [高全]\n")
    with pytest.raises(PlanFileError) as caught:
        load_plan_file(path)
    error = caught.value
    line = path.read_text(encoding="utf-8").splitlines().index("      persons: [高全]") + 1
    assert error.path == path and error.line == line
    assert "“高全”不在 people 中，是不是“高权”？" in error.problem
    assert str(path) in str(error) and f"第 {line} 行" in str(error)


def test_one_unit_spelt_two_ways_is_one_unit_once_aliased() -> None:
    plan = load_plan_file(EXAMPLES / "zhaohua.yaml")
    units = {u for item in plan.rectification.items for u in item.units} if plan.rectification else set()
    assert "区商务和经济合作局" in units and "区商务经济合作局" not in units
    assert plan.name_warnings() == []


def test_without_the_alias_the_import_warns_about_the_two_spellings(tmp_path: Path) -> None:
    path = _variant(tmp_path, "zhaohua.yaml", "unit_aliases:\n  区商务和经济合作局: [区商务经济合作局]\n", "")
    warnings = load_plan_file(path).name_warnings()
    (warning,) = warnings
    assert "单位“区商务和经济合作局”和“区商务经济合作局”只差几个字" in warning and "unit_aliases" in warning


def test_a_spelling_given_to_two_units_is_an_error(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        "zhaohua.yaml",
        "  区商务和经济合作局: [区商务经济合作局]\n",
        "  区商务和经济合作局: [区商务经济合作局]\n  区财政局: [区商务经济合作局]\n",
    )
    with pytest.raises(PlanFileError, match="同时归到了"):
        load_plan_file(path)


def test_look_alike_names() -> None:
    assert closest("高全", {"高权", "王雪"}) == "高权"
    assert closest("李四", {"高权", "王雪"}) is None
    assert near_units(["区商务和经济合作局", "区商务经济合作局", "区财政局"]) == [
        ("区商务和经济合作局", "区商务经济合作局")
    ]
    assert near_people(["张晓明", "张小明", "王蓉", "王雪"]) == [("张小明", "张晓明")]
