"""The year-end (and plan-end) forecast rests on the months reported only, and says how many:
a month without a figure is not a month of 0."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.enums import Binding, Comparator, FindingKind, IndicatorKind, PeriodKind
from domain.evaluation import Policy, evaluate
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.workdays import WorkCalendar
from notifiers.render import sentence

CAL = WorkCalendar()


def s36(**changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code="S36", name="网络零售额", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="万元", comparator=Comparator.GE, target=1200, target_high=None, period=PeriodKind.PER_YEAR,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def months(*pairs: tuple[str, float]) -> tuple[MonthValue, ...]:
    return tuple(MonthValue(m, v, False) for m, v in pairs)


def behind(indicator: IndicatorFacts, as_of: date, start: date | None = None, end: date | None = None):
    project = ProjectFacts("t", "测试项目", start, end, indicators=(indicator,))
    (f,) = [f for f in evaluate([project], as_of, CAL, Policy()) if f.kind is FindingKind.BEHIND_PACE]
    return f


def test_a_missing_month_is_not_counted_as_zero_in_the_forecast() -> None:
    gap = s36(values=months(("2023-01", 100), ("2023-02", 100), ("2023-04", 100)))  # March missing
    f = behind(gap, date(2023, 5, 15))
    d = f.detail()
    assert (d["amount"], d["required"], d["forecast"], d["forecast_months"]) == (300, 400, 1200, 3)
    assert d["forecast_method"] == "按已报送的 3 个月（3 月未报送，不按 0 计）的月均值推算"
    assert "全年预计 1,200 万元" in str(sentence(f))
    full = s36(values=months(("2023-01", 100), ("2023-02", 100), ("2023-03", 0), ("2023-04", 100)))
    d = behind(full, date(2023, 5, 15)).detail()  # a reported 0 is a 0
    assert (d["forecast"], d["forecast_months"], d["forecast_method"]) == (900, 4, "按前 4 个月的月均值推算")


def test_with_a_plan_curve_only_the_reported_months_share_counts() -> None:
    curve = (5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)  # Jan 5 %, Feb 5 %, Mar 10 %, Apr 10 %
    gap = s36(pace=curve, values=months(("2023-01", 60), ("2023-02", 60), ("2023-04", 120)))
    d = behind(gap, date(2023, 5, 15)).detail()
    assert round(d["forecast"]) == 1200  # 240 over the 20 % January, February and April carry
    assert d["forecast_method"] == "按已报送的 3 个月（3 月未报送，不按 0 计）完成额占月度进度计划的比例推算"


def test_the_plan_period_forecast_uses_the_reported_months_too() -> None:
    s05 = s36(code="S05", name="龙头企业", unit="家", target=12, period=PeriodKind.CUMULATIVE,
              values=months(("2023-01", 1), ("2023-03", 1)))  # fmt: skip
    d = behind(s05, date(2023, 4, 15), date(2023, 1, 1), date(2023, 12, 31)).detail()
    assert (d["forecast"], d["forecast_months"]) == (12, 2)
    assert d["forecast_method"] == "按已报送的 2 个月（1 个月未报送，不按 0 计）的月均值推算到方案期末"
