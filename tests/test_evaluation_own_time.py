"""Plan format 2 for 沁县: a target's own window, the 年均 average growth over it, a level held to
a reference figure, a rank, a strict 高于, and deliverables due each period — judged by the pure
evaluation on hand-built facts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from domain.enums import (
    Binding,
    Cadence,
    Comparator,
    FindingKind,
    IndicatorKind,
    PeriodKind,
    Recurrence,
    Verdict,
)
from domain.evaluation import Policy, evaluate
from domain.evaluation.average_growth import average_rate
from domain.evaluation.compare import Requirement
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.workdays import WorkCalendar

CAL = WorkCalendar()
POLICY = Policy()
# The project runs to 2025; the targets below have windows of their own inside it.
START, END = date(2022, 6, 1), date(2025, 12, 31)


def indicator(code: str, **changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="q", code=code, name=code, kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="亿元", comparator=Comparator.GE, target=None, target_high=None, period=PeriodKind.PER_YEAR,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def year_end(*figures: tuple[int, float]) -> tuple[MonthValue, ...]:
    """Whole-year figures entered once a year, as December's year-to-date."""
    return tuple(MonthValue(f"{year}-12", value, True) for year, value in figures)


def verdicts(*indicators: IndicatorFacts, as_of: date) -> dict[str, object]:
    project = ProjectFacts("q", "沁县", START, END, indicators=indicators)
    found = [f for f in evaluate([project], as_of, CAL, POLICY, quiet=True) if f.verdict]
    assert len(found) == len({f.subject.split()[0] for f in found})  # one verdict per target
    return {f.subject.split()[0]: f for f in found}


# ---- window ---------------------------------------------------------------------------------------


def test_a_window_target_is_judged_when_its_window_ends_not_the_project():
    """3.6 亿元 over 2022至2024年: judged in January 2025 though the project runs to 2025, and the
    2025 figure (outside the window) does not count towards it."""
    q04 = indicator(
        "Q04", target=3.6, period=PeriodKind.CUMULATIVE, window_start=date(2022, 1, 1),
        window_end=date(2024, 12, 31), values=year_end((2022, 1.0), (2023, 1.2), (2024, 1.3), (2025, 2.0)),
    )  # fmt: skip
    judged = verdicts(q04, as_of=date(2026, 1, 15))["Q04"]
    assert judged.verdict is Verdict.NOT_MET and judged.detail()["amount"] == pytest.approx(3.5)
    met = replace(q04, values=year_end((2022, 1.0), (2023, 1.2), (2024, 1.4)))
    assert verdicts(met, as_of=date(2025, 1, 15))["Q04"].verdict is Verdict.MET


def test_a_window_that_starts_after_every_figure_is_not_yet_due_then_not_reported():
    """Monthly figures that stop before a 2024至2025年 target's window opens: nothing of the window
    has been reported (it once stopped the whole evaluation with a division by zero)."""
    q07 = indicator(
        "Q07", target=2, period=PeriodKind.CUMULATIVE, cadence=Cadence.MONTHLY,
        window_start=date(2024, 1, 1), window_end=date(2025, 12, 31),
        values=tuple(MonthValue(f"2023-{m:02d}", 0.1, False) for m in range(1, 13)),
    )  # fmt: skip
    during = verdicts(q07, as_of=date(2024, 6, 15))["Q07"]
    assert during.verdict is Verdict.NOT_YET_DUE and during.detail()["amount"] is None
    after = verdicts(q07, as_of=date(2026, 1, 15))["Q07"]
    assert after.verdict is Verdict.NOT_REPORTED


def test_a_facility_due_by_its_phase_end_is_reminded_then_missed():
    """约 2000 平米 by the end of 建设阶段 (2023-04-30): overdue in May though the plan runs on."""
    q32 = indicator(
        "Q32", unit="平方米", comparator=Comparator.APPROX, target=2000, period=PeriodKind.ONCE,
        due=date(2023, 4, 30), window_start=date(2022, 7, 1), window_end=date(2023, 4, 30),
        values=(MonthValue("2023-03", 1500, False),),
    )  # fmt: skip
    assert verdicts(q32, as_of=date(2023, 5, 15))["Q32"].verdict is Verdict.NOT_MET
    built = replace(q32, values=(MonthValue("2023-03", 1950, False),))
    assert verdicts(built, as_of=date(2023, 5, 15))["Q32"].verdict is Verdict.MET


# ---- 年均增长 ------------------------------------------------------------------------------------


def average(values: tuple[MonthValue, ...]) -> tuple[IndicatorFacts, IndicatorFacts]:
    base = indicator("Q04", target=3.6, period=PeriodKind.CUMULATIVE, values=values)
    growth = indicator(
        "Q06", name="电子商务交易额年均增长", kind=IndicatorKind.GROWTH, unit="%", target=30, base="Q04",
        average=True, window_start=date(2022, 1, 1), window_end=date(2025, 12, 31),
    )  # fmt: skip
    return base, growth


def test_average_growth_is_compound_over_the_years_not_year_on_year():
    # 2021 → 2025: 1.0 → 2.8 亿元. Year on year it grew 100 % once and little after; the average
    # over four years is (2.8 / 1.0)^(1/4) − 1 = 29.4 %: below 30 %.
    values = year_end((2021, 1.0), (2022, 2.0), (2023, 2.2), (2024, 2.5), (2025, 2.8))
    found = verdicts(*average(values), as_of=date(2026, 1, 15))["Q06"]
    assert found.kind is FindingKind.GROWTH_BELOW and found.verdict is Verdict.NOT_MET
    d = found.detail()
    assert d["rate"] == pytest.approx(average_rate(1.0, 2.8, 4)) == pytest.approx(29.36, abs=0.01)
    assert "由 2021 年的 1 亿元到 2025 年的 2.8 亿元，4 年年均增长 29.4%" in d["method"]
    assert "(2.8 ÷ 1)^(1/4) − 1" in d["method"]


def test_average_growth_on_pace_mid_window_and_met_at_its_end():
    on_pace = year_end((2021, 1.0), (2022, 1.4), (2023, 1.7))  # 30.4 % a year so far
    assert verdicts(*average(on_pace), as_of=date(2024, 1, 15))["Q06"].verdict is Verdict.ON_PACE
    behind = year_end((2021, 1.0), (2022, 1.2), (2023, 1.5))  # 22.5 % a year so far
    assert verdicts(*average(behind), as_of=date(2024, 1, 15))["Q06"].verdict is Verdict.BEHIND_PACE
    met = on_pace + year_end((2024, 2.2), (2025, 2.9))  # 30.5 %
    assert verdicts(*average(met), as_of=date(2026, 1, 15))["Q06"].verdict is Verdict.MET


def test_average_growth_without_the_base_year_is_not_yet_due_then_not_reported():
    without_base = year_end((2022, 1.4), (2023, 1.7))
    waiting = verdicts(*average(without_base), as_of=date(2024, 1, 15))["Q06"]
    assert waiting.verdict is Verdict.NOT_YET_DUE and "2021 年的全年基数" in waiting.detail()["basis"]
    over = verdicts(*average(without_base), as_of=date(2026, 1, 15))["Q06"]
    assert over.verdict is Verdict.NOT_REPORTED


# ---- reference figures, strictness, ranks ------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "verdict"), [(2400, Verdict.NOT_MET), (2500, Verdict.MET), (2600, Verdict.MET), (None, None)]
)
def test_a_level_held_to_a_reference_figure(raised, verdict):
    """原则上招商资金不少于政府引导资金: the guide fund (2500 万元) is itself a figure entered by hand."""
    fund = indicator("R04", unit="万元", figure=True, values=(MonthValue("2023-03", 2500, False),))
    q37 = indicator(
        "Q37", unit="万元", target=0, reference="R04", period=PeriodKind.ONCE, due=date(2023, 6, 30),
        values=(MonthValue("2023-05", raised, False),) if raised is not None else (),
    )  # fmt: skip
    found = verdicts(fund, q37, as_of=date(2023, 7, 17))
    assert "R04" not in found  # a figure has no target, so no verdict of its own
    assert found["Q37"].verdict is (verdict or Verdict.NOT_REPORTED)


def test_a_level_whose_reference_has_no_figure_waits_for_it():
    fund = indicator("R04", unit="万元", figure=True)
    q37 = indicator(
        "Q37", unit="万元", target=0, reference="R04", period=PeriodKind.ONCE, due=date(2023, 6, 30)
    )
    waiting = verdicts(fund, q37, as_of=date(2023, 3, 15))["Q37"]
    assert waiting.verdict is Verdict.NOT_YET_DUE and "R04" in waiting.detail()["basis"]


@pytest.mark.parametrize(
    ("comparator", "verdict"), [(Comparator.GT, Verdict.NOT_MET), (Comparator.GE, Verdict.MET)]
)
def test_higher_than_the_city_by_two_points_is_strict(comparator, verdict):
    """同比增长率高于长治市平均水平 2 个百分点: exactly city + 2 is not higher."""
    output = indicator("Q08", target=1, values=year_end((2024, 1.0), (2025, 1.12)))
    city = indicator("R01", unit="%", figure=True, values=(MonthValue("2025-12", 10, False),))
    q09 = indicator(
        "Q09",
        kind=IndicatorKind.GROWTH,
        unit="%",
        comparator=comparator,
        target=2,
        base="Q08",
        reference="R01",
    )
    assert verdicts(output, city, q09, as_of=date(2026, 1, 15))["Q09"].verdict is verdict


@pytest.mark.parametrize(("rank", "verdict"), [(2, Verdict.MET), (3, Verdict.MET), (5, Verdict.NOT_MET)])
def test_a_rank_entered_by_hand(rank, verdict):
    """全市领先, read as 前 3 名: a rank is better the smaller it is."""
    q07 = indicator(
        "Q07", unit="名", comparator=Comparator.LE, target=3, period=PeriodKind.ONCE, due=date(2025, 12, 31),
        values=(MonthValue("2025-11", rank, False),),
    )  # fmt: skip
    found = verdicts(q07, as_of=date(2026, 1, 15))["Q07"]
    assert found.verdict is verdict


def test_a_rank_is_worded_as_an_office_writes_it():
    assert Requirement(Comparator.LE, 3).words("名") == "前 3 名"
    assert Requirement(Comparator.LE, 1).words("名") == "第 1 名"
    assert Requirement(Comparator.EQ, 1).words("名") == "第 1 名"


# ---- recurring deliverables --------------------------------------------------------------------


def monthly_report(*months: str) -> IndicatorFacts:
    return indicator(
        "Q43", name="各单位每月报送工作进展", kind=IndicatorKind.DELIVERABLE, unit=None,
        recurs=Recurrence.MONTHLY, grace_days=5, window_start=date(2022, 6, 1), window_end=date(2022, 9, 30),
        values=tuple(MonthValue(m, 1, False) for m in months),
    )  # fmt: skip


def test_each_months_report_is_due_after_the_month_and_reminded_like_a_deadline():
    due = verdicts(monthly_report(), as_of=date(2022, 7, 4))["Q43"]
    assert due.kind is FindingKind.DELIVERABLE_DUE and due.due == date(2022, 7, 5)
    assert "（2022年6月）" in due.subject
    late = verdicts(monthly_report(), as_of=date(2022, 7, 6))["Q43"]
    assert late.kind is FindingKind.DELIVERABLE_OVERDUE and late.verdict is Verdict.NOT_MET
    assert late.key.endswith("/2022-07-05")  # each period its own alert


def test_recording_a_period_closes_it_and_the_next_one_is_reminded():
    june_in = verdicts(monthly_report("2022-06"), as_of=date(2022, 7, 6))["Q43"]
    assert june_in.verdict is Verdict.NOT_YET_DUE and "已报送 1/4 期" in june_in.detail()["basis"]
    july_late = verdicts(monthly_report("2022-06"), as_of=date(2022, 8, 8))["Q43"]
    assert "（2022年7月）" in july_late.subject and july_late.verdict is Verdict.NOT_MET
    nothing = verdicts(monthly_report(), as_of=date(2022, 9, 8))["Q43"]  # June, July and August late
    assert nothing.subject == "Q43 各单位每月报送工作进展（2022年6月，此后另有 2 期逾期未报送）"
    every = monthly_report("2022-06", "2022-07", "2022-08", "2022-09")
    assert verdicts(every, as_of=date(2022, 10, 10))["Q43"].verdict is Verdict.MET


@pytest.mark.parametrize(
    ("every", "grace", "first_due", "label"),
    [
        (Recurrence.QUARTERLY, 10, date(2022, 7, 10), "2022年第二季度"),
        (Recurrence.HALF_YEARLY, 15, date(2022, 7, 15), "2022年上半年"),
    ],
)
def test_quarterly_inspection_and_half_yearly_bulletin(every, grace, first_due, label):
    """季度督查、半年通报: calendar quarters and halves; the window's first one counts."""
    duty = replace(monthly_report(), recurs=every, grace_days=grace, window_end=date(2023, 6, 30))
    late = verdicts(duty, as_of=first_due.replace(day=first_due.day + 3))["Q43"]
    assert late.due == first_due and label in late.subject


def test_figures_are_asked_for_within_the_targets_window_only():
    """A 2022至2024年 target's figures are not missing in 2025, though the project runs on."""
    q05 = indicator(
        "Q05", target=2, period=PeriodKind.CUMULATIVE, cadence=Cadence.YEARLY, source="manual-sheet",
        window_start=date(2022, 1, 1), window_end=date(2024, 12, 31),
        values=year_end((2022, 0.6), (2023, 0.7)),
    )  # fmt: skip
    project = ProjectFacts("q", "沁县", START, END, indicators=(q05,))
    missing = [
        f for f in evaluate([project], date(2026, 1, 15), CAL, POLICY) if f.kind is FindingKind.MISSING_FIGURE
    ]
    assert [f.detail()["months"] for f in missing] == [["2024年"]]


# ---- the plan file -------------------------------------------------------------------------------

PLAN = """
project: {code: q, name: 沁县, county: 沁县, plan_start: 2022-06-01, plan_end: 2025-12-31}
indicators:
  - {code: Q04, name: 交易额, unit: 亿元, target: 3.6, period: cumulative, window: {start: 2022, end: 2024}}
  - {code: Q06, name: 交易额年均增长, kind: growth, unit: "%", target: 30, base: Q04, average: true,
     window: {start: 2022, end: 2025}}
  - {code: Q32, name: 服务中心面积, unit: 平方米, comparator: 约, target: 2000, period: once,
     window: {start: 2022-07, end: 2023-04}}
  - {code: Q37, name: 招商资金, unit: 万元, target: 0, reference: R04, period: once,
     window: {start: 2022-06, end: 2023-06}}
  - {code: Q43, name: 每月报送工作进展, kind: deliverable, recurs: {every: 每月, grace_days: 5}}
  - {code: R04, name: 政府引导资金, unit: 万元, figure: true}
"""


def plan_file(tmp_path, text: str = PLAN):
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_new_fields_read_from_a_plan_file(tmp_path) -> None:
    from collectors.plan.loader import load_plan_file

    plan = load_plan_file(plan_file(tmp_path))
    by_code = {i.code: i for i in plan.indicators}
    assert plan.format_version == 2  # written without format: 2, read as version 2 by its fields
    assert by_code["Q32"].due == date(2023, 4, 30)  # a month's window ends on its last day
    assert (by_code["Q04"].window.start, by_code["Q04"].window.end) == (date(2022, 1, 1), date(2024, 12, 31))
    assert by_code["Q43"].recurs.every is Recurrence.MONTHLY and by_code["Q43"].recurs.grace_days == 5
    assert by_code["R04"].figure and by_code["R04"].target is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("base: Q04, average: true", "average: true"), "average（年均增长）只用于增速类指标，并需要 base"),
        (("{start: 2022, end: 2024}", "{start: 2024, end: 2022}"), "window 的 end（2022-12-31）早于 start"),
        (("{start: 2022-07, end: 2023-04}", "{start: 2022-13, end: 2023-04}"), "月份 13 不存在"),
        (
            ("kind: deliverable, recurs", "unit: 次, target: 1, recurs"),
            "recurs（定期报送）只用于 kind: deliverable",
        ),
        (
            ("every: 每月", "every: 每周"),
            "应为 monthly、quarterly、half_yearly、yearly 之一（实际值：'每周'）",
        ),
        (("figure: true", "figure: true, target: 5"), "figure: true 表示只是一个参照数值"),
        (("reference: R04", "reference: R05"), "reference R05 不在 indicators 中"),
    ],
)
def test_bad_new_fields_are_refused_with_the_field_named(tmp_path, change, message) -> None:
    from collectors.plan.loader import load_plan_file
    from domain.errors import PlanFileError

    path = plan_file(tmp_path, PLAN.replace(*change))
    with pytest.raises(PlanFileError, match=re.escape(message)) as caught:
        load_plan_file(path)
    assert "q.yaml" in str(caught.value) and "indicators" in str(caught.value)


def test_format_1_refuses_the_new_fields(tmp_path) -> None:
    from collectors.plan.loader import load_plan_file
    from domain.errors import PlanFileError

    with pytest.raises(PlanFileError, match="window 是方案格式第 2 版的写法"):
        load_plan_file(plan_file(tmp_path, "format: 1\n" + PLAN))


def test_the_messages_write_the_arithmetic_and_the_strictness_out():
    from notifiers.render import sentence

    values = year_end((2021, 1.0), (2022, 2.0), (2023, 2.2), (2024, 2.5), (2025, 2.8))
    averaged = sentence(verdicts(*average(values), as_of=date(2026, 1, 15))["Q06"])
    assert averaged.startswith(
        "Q06 电子商务交易额年均增长（约束性）：截至 2025年12月，Q04 Q04由 2021 年的 1 亿元到 2025 年的 "
        "2.8 亿元，4 年年均增长 29.4%（(2.8 ÷ 1)^(1/4) − 1）；要求不低于 30.0%，差 0.6 个百分点，到期未达标。"
    )
    output = indicator("Q08", target=1, values=year_end((2024, 1.0), (2025, 1.12)))
    city = indicator(
        "R01", name="长治市平均增速", unit="%", figure=True, values=(MonthValue("2025-12", 10, False),)
    )
    q09 = indicator(
        "Q09",
        kind=IndicatorKind.GROWTH,
        unit="%",
        comparator=Comparator.GT,
        target=2,
        base="Q08",
        reference="R01",
    )
    strict = sentence(verdicts(output, city, q09, as_of=date(2026, 1, 15))["Q09"])
    assert "即高于 12.0%，恰好持平，未高于要求，全年未达标" in strict


def test_a_share_or_a_rate_for_2025_is_not_judged_on_earlier_years():
    """其中开展电商业务市场主体不少于60% and 同比增长率高于…, both 到2025年: 2023 is not their year."""
    window = {"window_start": date(2025, 1, 1), "window_end": date(2025, 12, 31)}
    share = indicator(
        "Q13",
        kind=IndicatorKind.RATIO,
        unit="%",
        target=60,
        values=(MonthValue("2023-12", 40, False),),
        **window,
    )
    output = indicator("Q08", target=1, values=year_end((2022, 1.0), (2023, 1.0)))
    rate = indicator("Q09", kind=IndicatorKind.GROWTH, unit="%", target=2, base="Q08", **window)
    early = verdicts(share, output, rate, as_of=date(2024, 1, 15))
    assert early["Q13"].verdict is Verdict.NOT_YET_DUE and early["Q09"].verdict is Verdict.NOT_YET_DUE
    late = verdicts(share, output, rate, as_of=date(2026, 1, 15))
    assert late["Q13"].verdict is Verdict.NOT_REPORTED and late["Q13"].key.endswith("/2025")
    assert late["Q09"].verdict is Verdict.NOT_REPORTED
