"""Deadlines, deliverables, data hygiene and the MOFCOM report window, on hand-built facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.calendar_file import load_calendar
from domain.enums import Binding, Comparator, FindingKind, IndicatorKind, ItemStatus, PeriodKind
from domain.evaluation import Policy, evaluate
from domain.evaluation.reporting import window_stage
from domain.facts import AlertSettings, IndicatorFacts, ItemFacts, MonthValue, ProjectFacts, SourceFacts
from domain.keys import stage_rank
from domain.workdays import WorkCalendar

CAL = WorkCalendar()
POLICY = Policy()


def item(deadline: date | None, **changes: object) -> ItemFacts:
    base = ItemFacts(
        project="t", batch="", number="1", problem="月报不完整", persons=("高权",), units=("工信局",),
        deadline=deadline, deadline_text=None, ongoing=False, status=ItemStatus.OPEN,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def project(**changes: object) -> ProjectFacts:
    return replace(ProjectFacts("t", "测试项目", date(2023, 1, 1), date(2024, 12, 31)), **changes)  # type: ignore[arg-type]


def stages(facts: ProjectFacts, as_of: date, policy: Policy = POLICY) -> list[tuple[str, str]]:
    return [(f.kind.value, f.stage) for f in evaluate([facts], as_of, CAL, policy)]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2023, 10, 7), []),  # Saturday make-up day: 6 working days left
        (date(2023, 10, 8), [("deadline_approaching", "remind-5")]),  # Sunday make-up day
        (date(2023, 10, 11), [("deadline_approaching", "remind-3")]),
        (date(2023, 10, 12), [("deadline_approaching", "remind-1")]),
        (date(2023, 10, 13), [("deadline_today", "due")]),
        (date(2023, 10, 15), [("deadline_today", "due")]),
        (date(2023, 10, 16), [("overdue", "overdue")]),
        (date(2023, 10, 18), [("overdue", "escalated")]),
    ],
)
def test_reminder_steps_count_chinese_working_days(as_of, expected):
    assert stages(project(items=(item(date(2023, 10, 15)),)), as_of) == expected


def test_the_plan_can_change_offsets_and_escalation():
    facts = project(
        items=(item(date(2023, 10, 15)),),
        settings=AlertSettings(reminder_workdays=(10, 2), escalate_after_workdays=1),
    )
    assert stages(facts, date(2023, 9, 28)) == [("deadline_approaching", "remind-10")]
    assert stages(facts, date(2023, 10, 16)) == [("overdue", "escalated")]


def test_a_closed_item_says_nothing():
    assert (
        stages(project(items=(item(date(2023, 10, 15), status=ItemStatus.CLOSED),)), date(2023, 10, 20)) == []
    )


def test_an_ongoing_duty_gets_monthly_check_ins_instead_of_overdue():
    facts = project(items=(item(date(2019, 9, 30), ongoing=True),))
    assert stages(facts, date(2019, 9, 30)) == [("deadline_today", "due")]
    assert stages(facts, date(2019, 10, 1)) == [("check_in", "due")]  # holiday: October not begun
    assert stages(facts, date(2019, 10, 8)) == [("check_in", "checkin-2019-10")]
    assert stages(facts, date(2019, 11, 1)) == [("check_in", "checkin-2019-11")]
    assert stage_rank("checkin-2019-11") > stage_rank("checkin-2019-10") > stage_rank("due")


def test_stages_only_move_forward():
    order = ["remind-10", "remind-5", "remind-3", "remind-1", "due", "overdue", "escalated"]
    assert sorted(order, key=stage_rank) == order


def deliverable(**changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code="S06", name="电商企业资金奖励办法", kind=IndicatorKind.DELIVERABLE,
        binding=Binding.BINDING, unit=None, comparator=Comparator.GE, target=None, target_high=None,
        period=PeriodKind.ONCE, due=date(2023, 12, 29),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_deliverables_are_reminded_then_overdue_and_need_evidence_when_done():
    assert stages(project(indicators=(deliverable(),)), date(2023, 12, 27)) == [
        ("deliverable_due", "remind-3")
    ]
    assert stages(project(indicators=(deliverable(),)), date(2024, 1, 2)) == [
        ("deliverable_overdue", "overdue")
    ]
    done = deliverable(done=True, done_on=date(2023, 12, 1))
    assert stages(project(indicators=(done,)), date(2024, 1, 2)) == [("no_evidence", "missing")]
    proven = replace(done, done_evidence="ab" * 32)
    assert stages(project(indicators=(proven,)), date(2024, 1, 2)) == []


def numeric(values: tuple[MonthValue, ...], **changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code="S36", name="网络零售额", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="万元", comparator=Comparator.GE, target=1, target_high=None, period=PeriodKind.PER_YEAR,
        values=values, source="backend",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def months(*pairs: tuple[str, float]) -> tuple[MonthValue, ...]:
    return tuple(MonthValue(m, v, False) for m, v in pairs)


def test_last_months_figure_is_missing_after_day_ten():
    facts = project(plan_start=date(2023, 8, 1), indicators=(numeric(months(("2023-08", 1))),))
    assert ("missing_figure", "missing-2023-08") not in stages(facts, date(2023, 9, 10))
    assert stages(facts, date(2023, 9, 10)) == []
    assert stages(facts, date(2023, 10, 11)) == [("missing_figure", "missing-2023-09")]


def test_an_indicator_without_source_or_figures_is_not_nagged():
    facts = project(indicators=(numeric((), source=None),))
    assert stages(facts, date(2023, 10, 11)) == []


def test_implausible_jumps_and_negative_values_are_flagged_until_corrected():
    values = months(("2023-07", 100), ("2023-08", 900), ("2023-09", -5))
    found = evaluate(
        [project(plan_start=date(2023, 7, 1), indicators=(numeric(values),))], date(2023, 10, 5), CAL, POLICY
    )
    kinds = {f.kind: f for f in found}
    assert kinds[FindingKind.IMPLAUSIBLE_JUMP].detail()["jumps"][0]["ratio"] == 9
    assert kinds[FindingKind.NEGATIVE_VALUE].detail()["months"] == ["2023-09"]
    fixed = months(("2023-07", 100), ("2023-08", 120), ("2023-09", 110))
    assert (
        evaluate(
            [project(plan_start=date(2023, 7, 1), indicators=(numeric(fixed),))],
            date(2023, 10, 5),
            CAL,
            POLICY,
        )
        == []
    )


def _monthly(first: str, amounts: list[float | None], cumulative: bool = False) -> tuple[MonthValue, ...]:
    """Consecutive months from ``first`` (YYYY-MM) with ``amounts``; None leaves a month out."""
    year, month = int(first[:4]), int(first[5:7])
    values = []
    for amount in amounts:
        if amount is not None:
            values.append(MonthValue(f"{year:04d}-{month:02d}", amount, cumulative))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(values)


@pytest.mark.parametrize(
    ("values", "found"),
    [
        # Steady growth: the first and last months are 20 times apart, no month 5 times its predecessor.
        (_monthly("2022-10", [100 * 1.15**n for n in range(24)]), {}),
        # The same growth with one month exactly 5 times the one before: a jump (≥ the factor).
        (_monthly("2022-10", [100 * 1.15**n for n in range(11)] + [5 * 100 * 1.15**10] * 13), {"jump": 1}),
        # 10 times apart across an unreported month: months that do not follow each other are not a jump.
        (_monthly("2022-10", [10.0] * 12 + [None] + [100.0] * 11), {}),
        # A month of 0 is neither negative nor the start of a jump.
        (_monthly("2022-10", [10.0] * 12 + [0.0] + [10.0] * 11), {}),
        # Year-to-date figures are compared as month amounts: 2023-09 alone is 100 - 20 = 80, after 10s.
        (_monthly("2023-01", [10, 20, 30, 40, 50, 60, 70, 80, 160], cumulative=True), {"jump": 1}),
        (_monthly("2023-01", [10, 20, 30, 40, 50, 60, 70, 80, 70], cumulative=True), {"negative": 1}),
    ],
)
def test_odd_values_need_a_month_far_from_the_one_before_it_or_below_zero(values, found):
    facts = project(plan_start=date(2022, 10, 1), indicators=(numeric(values),))
    kinds = [f.kind for f in evaluate([facts], date(2024, 10, 5), CAL, POLICY)]
    assert kinds.count(FindingKind.IMPLAUSIBLE_JUMP) == found.get("jump", 0)
    assert kinds.count(FindingKind.NEGATIVE_VALUE) == found.get("negative", 0)


def test_source_failures_and_staleness():
    failing = SourceFacts(
        "backend", "html_table", "数据后台", last_ok=date(2023, 10, 1), failed_error="页面结构变了"
    )
    assert stages(project(sources=(failing,)), date(2023, 10, 3)) == [("collection_failed", "failed")]
    assert ("stale_source", "stale") in stages(project(sources=(failing,)), date(2023, 10, 8))
    manual = SourceFacts("hand", "manual", last_ok=date(2023, 1, 1))
    assert stages(project(sources=(manual,)), date(2023, 10, 8)) == []


@pytest.mark.parametrize(
    ("as_of", "stage"),
    [
        (date(2023, 10, 6), None),  # holiday: the window is not open to anyone yet
        (date(2023, 10, 7), "window-1-open"),  # first working day (a make-up Saturday)
        (date(2023, 10, 8), "window-2-closing"),  # 2 working days before the 10th
        (date(2023, 10, 10), "window-2-closing"),
        (date(2023, 10, 11), "window-3-missed"),
        (date(2023, 11, 1), "window-1-open"),  # for October's report
    ],
)
def test_mofcom_window_stages(as_of, stage):
    month = "2023-10" if as_of.month == 11 else "2023-09"
    assert window_stage(as_of, month, CAL, POLICY) == stage


def test_mofcom_report_resolves_when_filed_and_an_unfiled_month_stays_open():
    mofcom = SourceFacts("mofcom", "mofcom", "商务部农村电商信息系统")
    open_ = project(plan_start=date(2023, 9, 1), sources=(mofcom,), filings={("mofcom", "2023-09"): False})
    assert stages(open_, date(2023, 10, 9)) == [("report_window", "window-2-closing")]
    assert stages(open_, date(2023, 11, 2)) == [
        ("report_window", "window-3-missed"),  # September's report, still not filed
        ("report_window", "window-1-open"),  # October's
    ]
    filed = replace(open_, filings={("mofcom", "2023-09"): True, ("mofcom", "2023-10"): True})
    assert stages(filed, date(2023, 11, 2)) == []


def test_an_override_file_adds_holidays_and_make_up_days(tmp_path):
    from domain.errors import ConfigurationError

    path = tmp_path / "calendar.yaml"
    path.write_text("holidays: [2030-01-02]\nworkdays: [2030-01-05]\n", encoding="utf-8")
    calendar = load_calendar(path)
    assert not calendar.is_workday(date(2030, 1, 2)) and calendar.is_workday(date(2030, 1, 5))
    assert calendar.workdays_between(date(2029, 12, 31), date(2030, 1, 7)) == 5  # 1, 3, 4, 5(Sat), 7
    path.write_text("holidays: [2030-01-02]\nworkdays: [2030-01-02]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="既是假日又是工作日"):
        load_calendar(path)


def test_counting_across_years_matches_counting_day_by_day():
    calendar = WorkCalendar()
    start = date(2022, 12, 20)
    for end in (date(2023, 1, 3), date(2024, 2, 29), date(2025, 12, 31)):
        slow = sum(calendar.is_workday(start + timedelta(n)) for n in range(1, (end - start).days + 1))
        assert calendar.workdays_between(start, end) == slow
        assert calendar.workdays_between(end, start) == -slow


def test_a_month_nobody_checked_is_not_declared_unfiled():
    mofcom = SourceFacts("mofcom", "mofcom", "商务部农村电商信息系统")
    unchecked = project(plan_start=date(2023, 1, 1), sources=(mofcom,))
    assert stages(unchecked, date(2023, 11, 2)) == [("report_window", "window-1-open")]  # October only
