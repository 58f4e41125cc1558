"""examples/qinxian.yaml against its seed, 沁政发〔2022〕4号 (002), which is in traditional script.

The document's numeric targets, by this reading, are 45: 四、主要目标 5 for 2022至2024年 and 11 for
到2025年; 五、建设规模 1 (约4.42平方公里); 六、项目运营模式 3 (2000万元, 500万元, 300万元/年);
七、重点任务 21 (counts, areas, trainees, 招商资金 against 政府引导资金); 八、实施步骤 1 (50个以上
站点); 九、保障措施 3 recurring duties (每月报送, 季度督查, 半年通报). The issue counted 46; the
difference is most likely the 100—300平米 band counted as two figures — it is one target here (a
band). Every one is modelled: Q01–Q45. The four 实施步骤 phases are F1–F4; R01–R04 are the
reference and base figures (长治市平均增速 ×2, 农产品上行交易额, 政府引导资金) with no target.

Each quote is the seed's sentence converted to simplified script (OpenCC t2s, the seed's pinyin
glosses such as "發(fā)" removed), and each figure is the sentence's own, except the worded ones.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from opencc_purepy import OpenCC
from sqlmodel import Session, select

from collectors.plan.loader import load_plan_file
from domain.enums import Comparator, IndicatorKind, PeriodKind, Recurrence
from domain.plan.schema import PlanSpec
from tests.scenario_world import EXAMPLES
from tests.seeds import read_seed, squash

SEED = "002_f428c2010c1777a4.txt"
# Figures the document words rather than writes, and how the plan file reads them.
WORDED = {
    "Q07": "达到全市领先水平: a rank entered by hand, 前 3 名 (≤ 3) — for the county to confirm",
    "Q15": "实现农村电商物流配送“村村通”: every village, = 100 %",
    "Q37": "招商资金不少于政府引导资金: ≥ R04 政府引导资金 + 0 万元",
}


@pytest.fixture(scope="module")
def plan() -> PlanSpec:
    return load_plan_file(EXAMPLES / "qinxian.yaml")


@pytest.fixture(scope="module")
def seed_text() -> str:
    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", read_seed(SEED))  # 發(fā) → 發
    return squash(OpenCC("t2s").convert(text))


def numbers(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}


def test_every_numeric_target_of_the_document_is_modelled(plan: PlanSpec, seed_text: str) -> None:
    targets = [i for i in plan.indicators if re.fullmatch(r"Q\d\d", i.code)]
    assert [i.code for i in targets] == [f"Q{n:02d}" for n in range(1, 46)]
    for indicator in plan.indicators:
        assert indicator.requirement and squash(indicator.requirement) in seed_text, indicator.code
    for indicator in targets:
        if indicator.kind is IndicatorKind.DELIVERABLE:
            assert indicator.recurs is not None, indicator.code  # the three duties recur
            continue
        if indicator.code in WORDED:
            continue
        said = numbers(indicator.requirement or "")
        assert indicator.target in said, indicator.code
        if indicator.target_high is not None:
            assert indicator.target_high in said, indicator.code


def test_targets_run_on_the_documents_own_windows(plan: PlanSpec) -> None:
    by_code = {i.code: i for i in plan.indicators}
    window = {code: (i.window.start, i.window.end) for code, i in by_code.items() if i.window}
    three_years = (date(2022, 1, 1), date(2024, 12, 31))
    assert all(window[f"Q0{n}"] == three_years for n in range(1, 6))  # 2022至2024年
    assert window["Q08"] == window["Q10"] == (date(2025, 1, 1), date(2025, 12, 31))  # 到2025年
    assert by_code["Q06"].average and by_code["Q06"].base == "Q04"  # 在现有基础上年均增长
    assert window["Q06"] == (date(2022, 1, 1), date(2025, 12, 31))  # so 2021 is the base year
    # Buildings are due when the 建设阶段 ends; the other tasks when the 全面总结阶段 does.
    assert by_code["Q32"].due == by_code["F2"].due == date(2023, 4, 30)
    assert by_code["Q21"].due == by_code["F4"].due == date(2023, 6, 30)
    assert by_code["Q41"].due == by_code["F1"].due == date(2022, 6, 30)  # 启动阶段 (2022年6月)
    assert [by_code[f"F{n}"].due for n in range(1, 5)] == [
        date(2022, 6, 30), date(2023, 4, 30), date(2023, 5, 31), date(2023, 6, 30),
    ]  # fmt: skip


def test_the_documents_comparators_and_duties(plan: PlanSpec) -> None:
    by_code = {i.code: i for i in plan.indicators}
    assert (by_code["Q09"].comparator, by_code["Q09"].reference) == (Comparator.GT, "R01")  # 高于…2个百分点
    assert (by_code["Q11"].comparator, by_code["Q11"].target) == (Comparator.GT, 5)
    assert by_code["Q14"].comparator is Comparator.GT  # 超过80%
    assert by_code["Q32"].comparator is by_code["Q35"].comparator is Comparator.APPROX  # 约2000/约600平米
    assert (by_code["Q34"].target, by_code["Q34"].target_high) == (100, 300)
    assert (by_code["Q07"].unit, by_code["Q07"].comparator, by_code["Q07"].target) == ("名", Comparator.LE, 3)
    assert by_code["Q30"].period is PeriodKind.CUMULATIVE
    recurring = {code: by_code[code].recurs for code in ("Q43", "Q44", "Q45")}
    duties = {code: (r.every, r.grace_days) for code, r in recurring.items() if r is not None}
    assert duties == {
        "Q43": (Recurrence.MONTHLY, 5),
        "Q44": (Recurrence.QUARTERLY, 10),
        "Q45": (Recurrence.HALF_YEARLY, 15),
    }
    assert {i.code for i in plan.indicators if i.figure} == {"R01", "R02", "R03", "R04"}


def test_a_months_report_is_reminded_then_closed_by_duban_record(tmp_path) -> None:
    """每月报送一次工作进展: June's report is due 2022-07-05 and overdue after; recording it (with
    the report as evidence) closes that month, and the next reminder is July's."""
    import json

    from tests.test_cli import duban

    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "qinxian.yaml")).returncode == 0

    def q43(day: str) -> dict[str, object]:
        shown = duban(data, "evaluate", "--project", "qinxian", "--as-of", day, "--json")
        assert shown.returncode == 0, shown.stderr
        (found,) = [f for f in json.loads(shown.stdout) if f["subject"].startswith("Q43")]
        return found

    late = q43("2022-07-06")
    assert late["verdict"] == "not_met" and "（2022年6月）" in late["subject"] and late["reminds"]
    report = tmp_path / "6月工作进展.pdf"
    report.write_bytes(b"%PDF-1.4 progress report")
    recorded = duban(
        data, "record", "Q43", "--project", "qinxian", "--month", "2022-06", "--value", "1",
        "--evidence", str(report),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    after = q43("2022-07-06")
    assert after["verdict"] == "not_yet_due" and not after["reminds"]
    assert "（2022年7月）" in q43("2022-08-08")["subject"]


@pytest.mark.both_databases
def test_the_new_fields_reach_the_evaluation_through_the_database(tmp_path, database) -> None:
    from db.engine import session_scope
    from db.facts_loader import load_projects
    from tests.scenario_world import import_example, make_app

    app = make_app(tmp_path, database_url=database)
    import_example(app, "qinxian.yaml")
    with session_scope(app.engine) as session:
        (project,) = load_projects(session, ["qinxian"])
    by_code = {i.code: i for i in project.indicators}
    assert (by_code["Q04"].window_start, by_code["Q04"].window_end) == (date(2022, 1, 1), date(2024, 12, 31))
    assert by_code["Q06"].average and not by_code["Q04"].average
    assert (by_code["Q44"].recurs, by_code["Q44"].grace_days) == (Recurrence.QUARTERLY, 10)
    assert by_code["R04"].figure and by_code["Q37"].reference == "R04"
    assert by_code["Q32"].due == date(2023, 4, 30)


def test_the_project_page_tells_how_far_the_recurring_reports_and_the_reference_targets_are(tmp_path) -> None:
    from bot.web.views import project_page
    from db.measurements import record_measurement
    from db.models import Indicator
    from domain.enums import Origin
    from tests.scenario_world import import_example, make_app

    app = make_app(tmp_path)
    import_example(app, "qinxian.yaml")
    with Session(app.engine) as session:
        q43 = session.exec(select(Indicator).where(Indicator.code == "Q43")).one()
        record_measurement(session, indicator=q43, month="2022-06", value=1, unit="", origin=Origin.MANUAL)
        session.commit()
        page = project_page(session, "qinxian", date(2022, 7, 20), app.calendar, app.policy)
    assert page is not None
    others = {o.code: o for o in page.others}
    assert others["Q43"].target == "定期报送（每月）"
    assert others["Q43"].state == "已报送 1/43 期，下一期（2022年7月）时限 2022年8月5日"
    assert others["Q44"].target == "定期报送（每季度）"
    assert others["Q37"].target == "不少于 R04"
