"""Every target gets exactly one verdict at every evaluation, judged on hand-built facts.

met · on pace · behind pace · not met · not reported · not yet due. The quiet ones (met, on pace,
not yet due) are visible with ``quiet=True`` (``duban evaluate``) and never among the findings
that alert; "not reported" is its own kind with its own sentence.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.enums import Binding, Comparator, FindingKind, IndicatorKind, PeriodKind, Severity, Verdict
from domain.evaluation import Policy, evaluate
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.findings import Finding
from domain.workdays import WorkCalendar
from notifiers.render import sentence

CAL = WorkCalendar()
START, END = date(2023, 1, 1), date(2023, 12, 31)


def indicator(code: str = "S05", **changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code=code, name="电商龙头企业", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="家", comparator=Comparator.GE, target=5, target_high=None, period=PeriodKind.CUMULATIVE,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def monthly(year: int, amounts: list[float]) -> tuple[MonthValue, ...]:
    return tuple(MonthValue(f"{year}-{m:02d}", v, False) for m, v in enumerate(amounts, 1))


def verdicts(*indicators: IndicatorFacts, as_of: date, quiet: bool = True) -> list[Finding]:
    project = ProjectFacts("t", "测试项目", START, END, indicators=indicators)
    return [f for f in evaluate([project], as_of, CAL, Policy(), quiet=quiet) if f.verdict is not None]


def one(*indicators: IndicatorFacts, as_of: date) -> Finding:
    (found,) = verdicts(*indicators, as_of=as_of)
    return found


def test_met_is_a_quiet_verdict_with_the_figure() -> None:
    f = one(indicator(values=monthly(2023, [2, 0, 3])), as_of=date(2023, 6, 15))
    assert (f.verdict, f.kind) == (Verdict.MET, FindingKind.TARGET_MET)
    assert f.quiet and f.detail()["amount"] == 5 and f.detail()["requirement"] == "不少于 5 家"
    assert verdicts(indicator(values=monthly(2023, [2, 0, 3])), as_of=date(2023, 6, 15), quiet=False) == []
    assert "已达标" in sentence(f)


def test_on_pace_and_behind_pace_of_a_yearly_target() -> None:
    s36 = indicator("S36", name="网络零售额", unit="万元", target=1200, period=PeriodKind.PER_YEAR)
    on = one(replace(s36, values=monthly(2023, [100, 100, 100])), as_of=date(2023, 4, 15))
    assert on.verdict is Verdict.ON_PACE and on.quiet and "应完成 300 万元" in on.detail()["basis"]
    behind = one(replace(s36, values=monthly(2023, [100, 100, 60])), as_of=date(2023, 4, 15))
    assert behind.verdict is Verdict.BEHIND_PACE and not behind.quiet


def test_a_count_over_the_plan_is_judged_when_the_plan_is_over() -> None:
    s05 = indicator(values=monthly(2023, [1] * 12))  # 12 months of one company each: 12 ≥ 5
    assert one(s05, as_of=date(2024, 1, 15)).verdict is Verdict.MET
    short = indicator(values=monthly(2023, [0] * 11 + [3]))
    missed = one(short, as_of=date(2024, 1, 15))
    assert missed.verdict is Verdict.NOT_MET and missed.kind is FindingKind.TARGET_MISSED


def test_no_figure_after_the_plan_is_not_reported_naming_who_reports_it() -> None:
    s05 = indicator(responsible_unit="县工科局", persons=("杨双旭",))
    f = one(s05, as_of=date(2024, 1, 15))
    assert (f.verdict, f.kind, f.severity, f.escalate) == (
        Verdict.NOT_REPORTED,
        FindingKind.NOT_REPORTED,
        Severity.CRITICAL,
        True,
    )
    assert f.stage == "unreported" and not f.quiet
    text = str(sentence(f))
    assert "方案期已于 2023年12月31日结束，数值未报送，无法证明已达标" in text
    assert "请杨双旭（县工科局）报送数值和佐证材料" in text
    nobody = str(sentence(one(indicator(), as_of=date(2024, 1, 15))))
    assert "方案未写明报送单位" in nobody


def test_a_once_target_without_a_figure_after_its_date_is_not_reported_not_missed() -> None:
    """Was 【紧急】目标未完成 with 尚未报送数值; missing is not failed."""
    s23 = indicator("S23", name="物流配送中心建筑面积", unit="平方米", target=500, period=PeriodKind.ONCE,
                    due=END, responsible_unit="县交通局")  # fmt: skip
    f = one(s23, as_of=date(2024, 1, 3))
    assert f.kind is FindingKind.NOT_REPORTED and f.stage == "overdue"
    assert "时限 2023年12月31日已过，数值未报送" in str(sentence(f)) and "县交通局" in str(sentence(f))
    reported = one(replace(s23, values=(MonthValue("2023-11", 300, False),)), as_of=date(2024, 1, 3))
    assert reported.kind is FindingKind.TARGET_MISSED and reported.verdict is Verdict.NOT_MET


def test_not_yet_due_before_the_judgement_and_before_the_reminders() -> None:
    f = one(indicator(), as_of=date(2023, 6, 15))
    assert (f.verdict, f.kind, f.quiet) == (Verdict.NOT_YET_DUE, FindingKind.NOT_YET_DUE, True)
    s23 = indicator("S23", target=500, unit="平方米", period=PeriodKind.ONCE, due=END)
    assert one(s23, as_of=date(2023, 6, 15)).verdict is Verdict.NOT_YET_DUE
    # December's figure is due by the 10th of January: before it, the year is not judged yet.
    s19 = indicator("S19", name="大赛", unit="次", target=1, period=PeriodKind.PER_YEAR)
    assert one(s19, as_of=date(2024, 1, 5)).verdict is Verdict.NOT_YET_DUE
    assert one(s19, as_of=date(2024, 1, 15)).verdict is Verdict.NOT_REPORTED


def test_a_year_whose_last_months_are_missing_is_not_reported_unless_already_met() -> None:
    s36 = indicator("S36", name="网络零售额", unit="万元", target=1200, period=PeriodKind.PER_YEAR)
    partial = one(replace(s36, values=monthly(2023, [90] * 10)), as_of=date(2024, 1, 15))
    assert partial.kind is FindingKind.NOT_REPORTED
    assert "数据只报送到 2023年10月（累计 900 万元），其后未报送" in str(sentence(partial))
    enough = one(replace(s36, values=monthly(2023, [130] * 10)), as_of=date(2024, 1, 15))
    assert enough.verdict is Verdict.MET


def test_a_range_is_judged_both_ways() -> None:
    t01 = indicator("T01", name="特色产品网络销售品牌", unit="个", comparator=Comparator.BETWEEN,
                    target=3, target_high=5, binding=Binding.EXPECTED)  # fmt: skip
    assert one(replace(t01, values=monthly(2023, [4] + [0] * 11)), as_of=date(2024, 1, 15)).verdict is (
        Verdict.MET
    )
    over = one(replace(t01, values=monthly(2023, [6] + [0] * 11)), as_of=date(2024, 1, 15))
    assert over.verdict is Verdict.NOT_MET
    under = one(replace(t01, values=monthly(2023, [2])), as_of=date(2023, 6, 15))
    assert under.verdict is Verdict.NOT_YET_DUE and under.detail()["requirement"] == "在 3–5 个"


def test_deliverables_and_growth_get_a_verdict_too() -> None:
    s06 = indicator("S06", name="资金奖励办法", kind=IndicatorKind.DELIVERABLE, target=None, unit=None,
                    period=PeriodKind.ONCE, due=END)  # fmt: skip
    assert one(s06, as_of=date(2023, 6, 15)).verdict is Verdict.NOT_YET_DUE
    proven = replace(s06, done=True, done_evidence="ab" * 32)
    assert one(proven, as_of=date(2023, 6, 15)).verdict is Verdict.MET
    assert one(s06, as_of=date(2024, 1, 15)).verdict is Verdict.NOT_MET
    g = indicator("S36g", name="网络零售额同比增长率", kind=IndicatorKind.GROWTH, unit="%", target=10,
                  period=PeriodKind.PER_YEAR)  # fmt: skip
    assert one(g, as_of=date(2023, 6, 15)).verdict is Verdict.NOT_YET_DUE
    assert one(g, as_of=date(2024, 1, 15)).verdict is Verdict.NOT_REPORTED
    assert one(replace(g, values=(MonthValue("2023-12", 12, False),)), as_of=date(2024, 1, 15)).verdict is (
        Verdict.MET
    )


def test_every_town_of_a_per_town_target_gets_its_own_verdict() -> None:
    s37 = indicator("S37", name="新增法人单位", unit="个", target=10, period=PeriodKind.PER_YEAR_PER_TOWN)
    assert [f.verdict for f in verdicts(s37, as_of=date(2024, 1, 15))] == [Verdict.NOT_REPORTED]
    towns = replace(s37, town_values={"东镇": monthly(2023, [1] * 12), "西镇": monthly(2023, [0] * 12)})
    found = {f.subject: f.verdict for f in verdicts(towns, as_of=date(2024, 1, 15))}
    assert found == {"S37 新增法人单位（东镇）": Verdict.MET, "S37 新增法人单位（西镇）": Verdict.NOT_MET}


def test_a_yearly_share_is_judged_when_its_year_is_over() -> None:
    """A share reported once in June is not "below so far" forever: after the year it is missed."""
    t10 = indicator("T10", name="电商企业占比", kind=IndicatorKind.RATIO, unit="%", target=60,
                    period=PeriodKind.PER_YEAR)  # fmt: skip
    june = replace(t10, values=(MonthValue("2023-06", 50, False),))
    assert one(june, as_of=date(2023, 8, 15)).verdict is Verdict.BEHIND_PACE
    missed = one(june, as_of=date(2024, 1, 15))
    assert (missed.verdict, missed.key) == (Verdict.NOT_MET, "t/indicator/T10/ratio/2023")
    none = one(t10, as_of=date(2024, 1, 15))
    assert (none.verdict, none.key) == (Verdict.NOT_REPORTED, "t/indicator/T10/ratio/2023")
    assert one(t10, as_of=date(2023, 8, 15)).verdict is Verdict.NOT_YET_DUE


def test_a_share_due_by_a_date_with_no_figure_yet_is_reminded_as_unreported_not_as_below() -> None:
    """偏关's 主导产业占比 > 30 % by 2023-10-15 with nothing reported: two working days before the
    date the reminder asks for the figure; it does not claim a share "below 30 %" that nobody has."""
    p04 = indicator("P04", name="主导产业占比", kind=IndicatorKind.RATIO, unit="%", target=30,
                    comparator=Comparator.GT, period=PeriodKind.ONCE, due=date(2023, 10, 15))  # fmt: skip
    before = one(p04, as_of=date(2023, 10, 12))
    assert (before.verdict, before.kind) == (Verdict.NOT_YET_DUE, FindingKind.TARGET_DUE)
    text = str(sentence(before))
    assert "要求高于 30%，尚未报送数值" in text and "低于" not in text
    below = one(replace(p04, values=(MonthValue("2023-09", 25, False),)), as_of=date(2023, 10, 12))
    assert below.kind is FindingKind.RATIO_BELOW and "25" in str(sentence(below))
    assert one(p04, as_of=date(2023, 10, 16)).verdict is Verdict.NOT_REPORTED


def test_a_later_year_over_without_a_figure_is_not_reported_not_last_years_verdict() -> None:
    """A plan over several years: 2022 was met, 2023 ended with no figure at all."""
    s36 = indicator("S36", name="网络零售额", unit="万元", target=1200, period=PeriodKind.PER_YEAR,
                    values=monthly(2022, [100] * 12))  # fmt: skip
    project = ProjectFacts("t", "测试项目", date(2022, 1, 1), date(2024, 12, 31), indicators=(s36,))
    (f,) = [f for f in evaluate([project], date(2024, 1, 15), CAL, Policy(), quiet=True) if f.verdict]
    assert (f.verdict, f.key) == (Verdict.NOT_REPORTED, "t/indicator/S36/year/2023")
    (f,) = [f for f in evaluate([project], date(2023, 6, 15), CAL, Policy(), quiet=True) if f.verdict]
    assert (f.verdict, f.key) == (Verdict.MET, "t/indicator/S36/year/2022")  # 2023 is not over yet
