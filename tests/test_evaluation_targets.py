"""Numeric targets, ratios and growth, judged by the pure evaluation on hand-built facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.enums import Binding, Comparator, FindingKind, IndicatorKind, PeriodKind, Severity
from domain.evaluation import Policy, evaluate
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.workdays import WorkCalendar

CAL = WorkCalendar()
POLICY = Policy()


def indicator(code: str = "S36", **changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code=code, name="网络零售额", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="万元", comparator=Comparator.GE, target=1200, target_high=None, period=PeriodKind.PER_YEAR,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def monthly(year: int, amounts: list[float], cumulative: bool = False) -> tuple[MonthValue, ...]:
    return tuple(MonthValue(f"{year}-{m:02d}", v, cumulative) for m, v in enumerate(amounts, 1))


def run(*indicators: IndicatorFacts, as_of: date, start: date | None = None, end: date | None = None):
    project = ProjectFacts("t", "测试项目", start, end, indicators=indicators)
    return evaluate([project], as_of, CAL, POLICY)


def only(findings, kind: FindingKind):
    picked = [f for f in findings if f.kind is kind]
    assert len(picked) == 1, findings
    return picked[0]


def test_linear_pace_gap_and_forecast():
    s36 = indicator(values=monthly(2023, [100, 100, 60]))  # 260 by March; pace needs 300
    f = only(run(s36, as_of=date(2023, 4, 15)), FindingKind.BEHIND_PACE)
    d = f.detail()
    assert (d["required"], d["gap"], round(d["gap_points"], 2), d["forecast"]) == (300, 40, 3.33, 1040)
    assert "线性" in d["pace_method"] and "3/12" in d["pace_method"]
    assert f.stage == "month-03" and f.severity is Severity.WARNING and not f.repeat


def test_the_current_month_does_not_count_until_it_is_over():
    s36 = indicator(values=monthly(2023, [100, 100, 100, 0]))
    assert run(s36, as_of=date(2023, 4, 30)) == []


def test_a_monthly_plan_curve_sets_the_pace_and_the_forecast():
    curve = (5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)
    on_curve = indicator(values=monthly(2023, [60, 60, 120]), pace=curve)  # 240 = 20 % of 1200
    assert run(on_curve, as_of=date(2023, 4, 15)) == []
    behind = indicator(values=monthly(2023, [60, 60, 60]), pace=curve)
    d = only(run(behind, as_of=date(2023, 4, 15)), FindingKind.BEHIND_PACE).detail()
    assert d["required"] == 240 and d["forecast"] == 900 and "20%" in d["pace_method"]


def test_year_to_date_figures_are_read_as_such():
    s36 = indicator(values=monthly(2023, [100, 200, 260], cumulative=True))
    assert only(run(s36, as_of=date(2023, 4, 15)), FindingKind.BEHIND_PACE).detail()["amount"] == 260


def test_december_judges_the_year_and_escalates_a_binding_miss():
    s36 = indicator(values=monthly(2023, [90] * 12))
    f = only(run(s36, as_of=date(2024, 1, 15)), FindingKind.TARGET_MISSED)
    assert f.key == "t/indicator/S36/year/2023" and f.escalate and f.severity is Severity.CRITICAL
    assert run(indicator(values=monthly(2023, [100] * 12)), as_of=date(2024, 1, 15)) == []


def test_expected_targets_weigh_one_step_lighter():
    s36 = indicator(binding=Binding.EXPECTED, values=monthly(2023, [90] * 12))
    assert only(run(s36, as_of=date(2024, 1, 15)), FindingKind.TARGET_MISSED).severity is Severity.WARNING
    s36 = indicator(binding=Binding.EXPECTED, values=monthly(2023, [10]))
    assert only(run(s36, as_of=date(2023, 2, 15)), FindingKind.BEHIND_PACE).severity is Severity.INFO


def test_year_specific_targets_win_over_the_default():
    s36 = indicator(year_targets={2023: 2400}, values=monthly(2023, [150]))
    assert only(run(s36, as_of=date(2023, 2, 15)), FindingKind.BEHIND_PACE).detail()["target"] == 2400


def test_per_town_targets_are_judged_town_by_town():
    s37 = indicator(
        "S37", name="新增法人单位", unit="个", target=12, period=PeriodKind.PER_YEAR_PER_TOWN,
        town_targets={(None, "桐城镇"): 24},
        town_values={"桐城镇": monthly(2023, [2, 2]), "东镇": monthly(2023, [1, 0])},
    )  # fmt: skip
    findings = run(s37, as_of=date(2023, 3, 15))
    assert [f.key for f in findings] == ["t/indicator/S37/town/东镇/year/2023"]  # 1 of the 2 needed
    assert findings[0].subject == "S37 新增法人单位（东镇）" and findings[0].detail()["required"] == 2


def test_cumulative_targets_are_paced_over_the_plan_and_judged_at_its_end():
    s05 = indicator(
        "S05", unit="家", target=12, period=PeriodKind.CUMULATIVE, values=monthly(2023, [1, 0, 1])
    )
    start, end = date(2023, 1, 1), date(2023, 12, 31)
    f = only(run(s05, as_of=date(2023, 4, 15), start=start, end=end), FindingKind.BEHIND_PACE)
    assert f.key == "t/indicator/S05/plan" and (f.detail()["required"], f.detail()["forecast"]) == (3, 8)
    s05 = replace(s05, values=monthly(2023, [1] * 11 + [0]))
    missed = only(run(s05, as_of=date(2024, 1, 15), start=start, end=end), FindingKind.TARGET_MISSED)
    assert (missed.key, missed.detail()["amount"], missed.escalate) == ("t/indicator/S05/plan", 11, True)


def test_a_once_target_is_reminded_like_a_deadline_then_missed():
    s20a = indicator(
        "S20a", name="公共服务中心建筑面积", unit="平方米", target=500, period=PeriodKind.ONCE,
        due=date(2023, 12, 29), values=(MonthValue("2023-11", 300, False),),
    )  # fmt: skip
    f = only(run(s20a, as_of=date(2023, 12, 25)), FindingKind.TARGET_DUE)
    assert f.stage == "remind-5" and f.detail()["amount"] == 300
    late = only(run(s20a, as_of=date(2024, 1, 8)), FindingKind.TARGET_MISSED)
    assert late.stage == "escalated" and late.escalate
    reached = replace(s20a, values=(MonthValue("2023-11", 520, False),))
    assert run(reached, as_of=date(2024, 1, 8)) == []


def test_fund_disbursement_ratio_by_a_date():
    """湖南: 资金拨付率 ≥ 70 % by 2018-12-31."""
    ratio = indicator(
        "F1", name="资金拨付率", kind=IndicatorKind.RATIO, unit="%", target=70, period=PeriodKind.ONCE,
        due=date(2018, 12, 31), values=(MonthValue("2018-11", 55.0, False),),
    )  # fmt: skip
    f = only(run(ratio, as_of=date(2018, 12, 25)), FindingKind.RATIO_BELOW)
    assert f.stage == "remind-5" and f.detail()["value"] == 55
    assert only(run(ratio, as_of=date(2019, 1, 7)), FindingKind.TARGET_MISSED).escalate


def test_a_monthly_share_below_its_floor():
    """≥ 60 % of new market entities doing e-commerce."""
    share = indicator("S39", kind=IndicatorKind.RATIO, unit="%", target=60, values=monthly(2023, [61, 48]))
    f = only(run(share, as_of=date(2023, 3, 15)), FindingKind.RATIO_BELOW)
    assert f.stage == "month-02" and f.detail()["value"] == 48


@pytest.mark.parametrize(
    ("this_year", "target", "reference", "kind"),
    [
        ([110] * 3, 10, None, None),  # exactly +10 %
        ([105] * 3, 10, None, FindingKind.GROWTH_BELOW),
        ([115] * 3, 2, 14.0, FindingKind.GROWTH_BELOW),  # +15 % but the city grew 14 %: needs 16 %
        ([115] * 3, 2, 13.5, FindingKind.GROWTH_BELOW),
        ([115] * 3, 2, 12.0, None),
    ],
)
def test_growth_against_last_year_and_a_reference_average(this_year, target, reference, kind):
    """沁县: 年总产值同比增长率高于全市平均水平 2 个百分点 — the city's rate is itself a figure."""
    base = indicator("S33", values=monthly(2022, [100] * 12) + monthly(2023, this_year))
    growth = indicator(
        "S33g", name="年总产值同比增长率", kind=IndicatorKind.GROWTH, unit="%", target=target, base="S33",
        reference="CITY" if reference is not None else None,
    )  # fmt: skip
    facts = [base, growth]
    if reference is not None:
        facts.append(
            indicator(
                "CITY", name="全市平均增速", unit="%", target=None, values=monthly(2023, [reference] * 2)
            )
        )
    findings = [f for f in run(*facts, as_of=date(2023, 4, 15)) if f.kind is FindingKind.GROWTH_BELOW]
    assert [f.kind for f in findings] == ([kind] if kind else [])
    if findings:
        d = findings[0].detail()
        assert d["required"] == target + (reference or 0)
        assert d["reference_month"] == ("2023-02" if reference is not None else None)


def test_growth_cannot_be_judged_without_last_years_months():
    base = indicator("S33", values=monthly(2023, [100] * 3))
    growth = indicator("S33g", kind=IndicatorKind.GROWTH, unit="%", target=10, base="S33")
    assert [f for f in run(base, growth, as_of=date(2023, 4, 15)) if f.kind is FindingKind.GROWTH_BELOW] == []
