"""Reporting cadence per indicator: a figure asked for every month, quarter or year, or once.

A count entered once is not flagged 数据缺报 every month afterwards; left out, the cadence is
monthly, as before. The plan field goes through the importer and the database into the facts,
and ``duban import`` says which plan format version it read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from db.engine import session_scope
from db.facts_loader import load_projects
from domain.enums import Binding, Cadence, Comparator, FindingKind, IndicatorKind, PeriodKind
from domain.errors import PlanFileError
from domain.evaluation import Policy, evaluate
from domain.facts import IndicatorFacts, MonthValue, ProjectFacts
from domain.workdays import WorkCalendar
from jobs.import_plans import import_files
from notifiers.render import sentence
from tests.scenario_world import make_app

CAL = WorkCalendar()


def count(**changes: object) -> IndicatorFacts:
    base = IndicatorFacts(
        project="t", code="S05", name="电商龙头企业", kind=IndicatorKind.NUMERIC, binding=Binding.BINDING,
        unit="家", comparator=Comparator.GE, target=5, target_high=None, period=PeriodKind.CUMULATIVE,
        values=(MonthValue("2023-03", 2, False),),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def missing(indicator: IndicatorFacts, as_of: date):
    project = ProjectFacts("t", "测试项目", date(2023, 1, 1), date(2023, 12, 31), indicators=(indicator,))
    return [f for f in evaluate([project], as_of, CAL, Policy()) if f.kind is FindingKind.MISSING_FIGURE]


def test_monthly_by_default_asks_for_every_month_after_the_first() -> None:
    (f,) = missing(count(), date(2023, 7, 15))
    assert f.detail()["months"] == ["2023-04", "2023-05", "2023-06"]


def test_a_count_entered_once_is_never_flagged_afterwards() -> None:
    assert missing(count(cadence=Cadence.ONCE), date(2023, 7, 15)) == []
    assert missing(count(cadence=Cadence.ONCE), date(2023, 12, 15)) == []


def test_quarterly_asks_for_each_quarter_once_it_is_due() -> None:
    quarterly = count(cadence=Cadence.QUARTERLY)
    assert missing(quarterly, date(2023, 7, 10)) == []  # Q2 is due after 10 July
    (f,) = missing(quarterly, date(2023, 7, 11))
    assert f.detail()["months"] == ["2023年第2季度"] and f.stage == "missing-2023-06"
    assert "每季度结束后次月 10 日前应报该季度数据" in str(sentence(f))
    assert (
        missing(
            replace(quarterly, values=(*quarterly.values, MonthValue("2023-05", 1, False))), date(2023, 7, 11)
        )
        == []
    )


def test_yearly_asks_for_the_year_after_december() -> None:
    yearly = count(cadence=Cadence.YEARLY, values=(MonthValue("2022-06", 1, False),))
    project = ProjectFacts("t", "测试项目", date(2022, 1, 1), date(2023, 12, 31), indicators=(yearly,))
    assert [
        f
        for f in evaluate([project], date(2023, 12, 15), CAL, Policy())
        if f.kind is FindingKind.MISSING_FIGURE
    ] == []
    (f,) = [
        f
        for f in evaluate([project], date(2024, 1, 15), CAL, Policy())
        if f.kind is FindingKind.MISSING_FIGURE
    ]
    assert f.detail()["months"] == ["2023年"]


def test_a_yearly_figure_within_the_year_is_not_paced() -> None:
    """A figure reported once a year says nothing about a pace in June: not yet due, quietly."""
    s33 = count(code="S33", period=PeriodKind.PER_YEAR, target=15000, unit="万元", cadence=Cadence.YEARLY,
                values=(MonthValue("2023-05", 3000, False),))  # fmt: skip
    project = ProjectFacts("t", "测试项目", date(2023, 1, 1), date(2023, 12, 31), indicators=(s33,))
    (f,) = [f for f in evaluate([project], date(2023, 7, 15), CAL, Policy(), quiet=True) if f.verdict]
    assert f.kind is FindingKind.NOT_YET_DUE
    monthly = replace(s33, cadence=Cadence.MONTHLY)
    project = replace(project, indicators=(monthly,))
    (f,) = [f for f in evaluate([project], date(2023, 7, 15), CAL, Policy(), quiet=True) if f.verdict]
    assert f.kind is FindingKind.BEHIND_PACE


PLAN = """
project: {code: t, name: 测试项目, county: 测试县, plan_start: 2023-01-01, plan_end: 2023-12-31}
indicators:
  - {code: S05, name: 电商龙头企业, unit: 家, target: 5, period: cumulative, cadence: 一次性}
  - {code: S36, name: 网络零售额, unit: 万元, target: 3000}
"""


def test_cadence_reaches_the_facts_and_the_import_says_format_2(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text(PLAN, encoding="utf-8")
    (report,) = import_files(app.engine, [path])
    assert report.format_version == 2
    with session_scope(app.engine) as session:
        (facts,) = load_projects(session, ["t"])
    assert [i.cadence for i in facts.indicators] == [Cadence.ONCE, Cadence.MONTHLY]
    path.write_text(PLAN.replace(", cadence: 一次性", ""), encoding="utf-8")
    (report,) = import_files(app.engine, [path])
    assert report.format_version == 1  # an old file reads as it always did


def test_a_format_1_file_using_format_2_fields_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text("format: 1\n" + PLAN, encoding="utf-8")
    with pytest.raises(PlanFileError, match="cadence 是方案格式第 2 版的写法，请在文件开头写 format: 2"):
        import_files(app.engine, [path])
    path.write_text(PLAN.replace("一次性", "每周"), encoding="utf-8")
    with pytest.raises(PlanFileError, match="cadence"):
        import_files(app.engine, [path])
