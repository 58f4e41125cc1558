"""Rule sets: 湘商建〔2018〕16号 written once (examples/hunan.yaml) and applied to its batches' counties.

What a county office depends on: the notice's dated requirements reach every county of its batch,
a changed notice changes them everywhere, a month-only date is read as the plan says and shown as
the document wrote it, and the 2018-12-29 调休 Saturday counts as the working day it was.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from collectors.plan.loader import load_plan_or_rules
from db.engine import session_scope
from db.facts_loader import load_projects
from db.measurements import record_measurement
from db.models import Indicator, Project
from domain.enums import Origin, Verdict
from domain.errors import PlanFileError
from domain.evaluation import evaluate
from domain.keys import parse
from domain.plan.ruleset import RuleSetSpec
from domain.workdays import WorkCalendar
from jobs.import_plans import import_files
from tests.scenario_world import EXAMPLES, make_app, run_day, sent_by
from tests.seeds import read_seed, squash

HUNAN_SEED = "003_f6e89ba333dd9a8d.txt"
QIYANG = (EXAMPLES / "hunan-qiyang.yaml").read_text(encoding="utf-8")


def county(tmp_path: Path, code: str, name: str, batch: str) -> Path:
    """A county's own plan, as 祁阳县's, for another county and batch."""
    text = QIYANG.replace("code: qiyang", f"code: {code}").replace("county: 祁阳县", f"county: {name}")
    text = text.replace("applies: [hunan-2016]", f"applies: [{batch}]").replace("qiyang-", f"{code}-")
    path = tmp_path / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def indicators(app_engine: object, project: str) -> dict[str, Indicator]:
    with Session(app_engine) as session:  # type: ignore[arg-type]
        query = select(Indicator).join(Project).where(Project.code == project)
        return {i.code: i for i in session.exec(query)}


def test_the_notice_reaches_every_county_of_its_batch_and_a_changed_notice_changes_them_all(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    yongxing = county(tmp_path, "yongxing", "永兴县", "hunan-2016")
    # A county imported before the notice is told the batch is missing, and gets it with the notice.
    (early,) = import_files(app.engine, [yongxing])
    assert any("hunan-2016 尚未导入" in w for w in early.warnings)
    reports = import_files(app.engine, [EXAMPLES / "hunan.yaml", EXAMPLES / "hunan-qiyang.yaml"])
    assert [r.project for r in reports] == ["hunan", "yongxing", "qiyang"]
    for project in ("qiyang", "yongxing"):
        got = indicators(app.engine, project)
        assert set(got) == {"HN16-1", "HN16-2", "HN16-3"}
        assert got["HN16-2"].target == 70 and got["HN16-2"].ruleset == "hunan-2016"
    # The province changes one figure: importing the notice again changes both counties.
    changed = tmp_path / "hunan.yaml"
    text = (EXAMPLES / "hunan.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("target: 70", "target: 75", 1), encoding="utf-8")
    again = import_files(app.engine, [changed])
    assert {r.project for r in again if r.changed} == {"hunan", "qiyang", "yongxing"}
    for project in ("qiyang", "yongxing"):
        assert indicators(app.engine, project)["HN16-2"].target == 75
    # Importing the same notice once more changes nothing anywhere.
    assert not any(r.changed for r in import_files(app.engine, [changed]))


def test_a_batch_may_list_its_projects_and_a_county_code_clash_is_refused(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    plain = county(tmp_path, "xinhua", "新化县", "hunan-2017")
    plain.write_text(plain.read_text(encoding="utf-8").replace("applies: [hunan-2017]", ""), encoding="utf-8")
    import_files(app.engine, [plain])
    notice = tmp_path / "notice.yaml"
    text = (EXAMPLES / "hunan.yaml").read_text(encoding="utf-8")
    notice.write_text(
        text.replace("    counties: [新化县,", "    projects: [xinhua]\n    counties: [新化县,"), "utf-8"
    )
    import_files(app.engine, [notice])
    assert set(indicators(app.engine, "xinhua")) == {"HN17-1", "HN17-2", "HN17-3", "HN17-4"}
    # A county's own indicator under a code the notice uses is not silently overwritten.
    own = county(tmp_path, "qiyang", "祁阳县", "hunan-2016")
    own.write_text(
        own.read_text(encoding="utf-8")
        + "\nindicators:\n  - {code: HN16-2, name: 自己的指标, unit: 个, target: 1, period: once}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanFileError, match="HN16-2 与项目自己的方案中的指标代码相同"):
        import_files(app.engine, [EXAMPLES / "hunan.yaml", own])


@pytest.mark.parametrize(
    ("reading", "day"), [("before_month", date(2019, 9, 30)), ("end_of_month", date(2019, 10, 31))]
)
def test_a_month_only_date_is_read_as_the_plan_says(tmp_path: Path, reading: str, day: date) -> None:
    path = tmp_path / "hunan.yaml"
    text = (EXAMPLES / "hunan.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("due_reading: before_month", f"due_reading: {reading}", 1), "utf-8")
    rules = load_plan_or_rules(path)
    assert isinstance(rules, RuleSetSpec)
    batch = rules.batch("hunan-2016")
    assert batch is not None
    (whole,) = [i for i in batch.indicators if i.code == "HN16-3"]
    assert (whole.due, whole.due_text) == (day, "2019年10月份前")


def test_a_month_only_date_without_a_reading_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "hunan.yaml"
    text = (EXAMPLES / "hunan.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("        due_reading: before_month\n", "", 1), encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan_or_rules(path)
    message = str(caught.value)
    line = text.splitlines().index("        due: 2019年10月份前") + 1
    assert "hunan.yaml" in message and f"第 {line} 行" in message
    assert "只写到月份" in message and "before_month" in message and "end_of_month" in message


def test_2018_holidays_and_make_up_days_follow_the_state_council_notices() -> None:
    """国办发明电〔2017〕12号 (2018) and 〔2018〕15号 (元旦 2019): the days the reminders count by."""
    calendar = WorkCalendar()
    for workday in ("2018-02-11", "2018-02-24", "2018-04-08", "2018-04-28", "2018-09-29", "2018-12-29"):
        assert calendar.is_workday(date.fromisoformat(workday)), workday
    for holiday in ("2018-02-16", "2018-10-05", "2018-12-30", "2018-12-31", "2019-01-01"):
        assert not calendar.is_workday(date.fromisoformat(holiday)), holiday


def test_a_2016_county_is_reminded_of_70_percent_by_2018_12_31_across_the_make_up_saturday(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    import_files(app.engine, [EXAMPLES / "hunan.yaml", EXAMPLES / "hunan-qiyang.yaml"])
    with session_scope(app.engine) as session:
        row = session.exec(select(Indicator).where(Indicator.code == "HN16-2")).one()
        record_measurement(session, indicator=row, month="2018-11", value=55, unit="%", origin=Origin.MANUAL)
    key = "qiyang/indicator/HN16-2/ratio/2018-12-31"
    told: dict[date, list[str]] = {}
    for day in (date(2018, 12, 27), date(2018, 12, 28), date(2018, 12, 29), date(2018, 12, 31)):
        result = run_day(app, day, "qiyang")
        told[day] = [s.body for s in sent_by(result) if any(key in t for t in s.told)]
    # 12-31 is a holiday (元旦), so the Saturday 12-29 — a make-up working day — is the last one.
    (friday,) = told[date(2018, 12, 28)]
    assert (
        "HN16-2 2018年底中央资金拨付率" in friday
        and "2018年11月为 55.0%" in friday
        and "还剩 1 个工作日" in friday
    )
    (saturday,) = told[date(2018, 12, 29)]
    assert "今天是最后一个工作日" in saturday
    assert told[date(2018, 12, 31)] == []  # a holiday: nothing is sent


def test_the_month_only_date_is_shown_as_the_notice_wrote_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_files(app.engine, [EXAMPLES / "hunan.yaml", EXAMPLES / "hunan-qiyang.yaml"])
    with session_scope(app.engine) as session:
        row = session.exec(select(Indicator).where(Indicator.code == "HN16-3")).one()
        record_measurement(session, indicator=row, month="2019-08", value=90, unit="%", origin=Origin.MANUAL)
    result = run_day(app, date(2019, 9, 26), "qiyang")
    bodies = [s.body for s in sent_by(result) if any("HN16-3" in t for t in s.told)]
    assert bodies and "时限 2019年10月份前（按 2019年9月30日计），还剩 3 个工作日" in bodies[0]


def test_every_hunan_requirement_gets_exactly_one_verdict_after_its_date(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    counties = [
        county(tmp_path, "jiangyong", "江永县", "hunan-2015"),
        county(tmp_path, "qiyang", "祁阳县", "hunan-2016"),
        county(tmp_path, "xinhua", "新化县", "hunan-2017"),
        county(tmp_path, "longshan", "龙山县", "hunan-2018"),
    ]
    import_files(app.engine, [EXAMPLES / "hunan.yaml", *counties])
    with session_scope(app.engine) as session:
        facts = load_projects(session)
    found = [f for f in evaluate(facts, date(2020, 1, 15), app.calendar, app.policy, quiet=True) if f.verdict]
    per_target = Counter((f.project, parse(f.key).indicator_code) for f in found)
    rules = load_plan_or_rules(EXAMPLES / "hunan.yaml")
    assert isinstance(rules, RuleSetSpec)
    expected = {
        (project, i.code)
        for project, batch in zip(("jiangyong", "qiyang", "xinhua", "longshan"), rules.batches, strict=True)
        for i in batch.indicators
    }
    assert set(per_target) == expected and set(per_target.values()) == {1}
    assert {f.verdict for f in found} <= {Verdict.NOT_MET, Verdict.NOT_REPORTED}  # nothing reported


def test_the_rule_set_matches_the_notice() -> None:
    seed = squash(read_seed(HUNAN_SEED))
    rules = load_plan_or_rules(EXAMPLES / "hunan.yaml")
    assert isinstance(rules, RuleSetSpec)
    assert rules.ruleset.document == "湘商建〔2018〕16号" and rules.ruleset.document in seed
    listed = re.findall(r"名单\((\d+)个\):(.*?)(?:二、|三、|四、|\(一\))", seed)
    assert [int(n) for n, _ in listed[:3]] == [len(b.counties) for b in rules.batches[:3]]
    for batch, (_, names) in zip(rules.batches[:3], listed[:3], strict=True):
        assert names.rstrip("-。").split("、") == batch.counties
    assert len(rules.batches[3].counties) == 16  # 附件1 四: 5 + 5 + 6
    for name in rules.batches[3].counties:
        assert name in seed
    for batch in rules.batches:
        for indicator in batch.indicators:
            assert indicator.requirement
            for piece in indicator.requirement.split("……"):  # quoted with the middle left out
                assert squash(piece) in seed, (indicator.code, piece)
    bands = [(g.grade, g.min) for g in rules.grades]
    assert bands == [("优秀", 85), ("良好", 70), ("一般", 60), ("较差", 0)]
    assert "85分以上(含85分)为优秀,70-85分(含70分)为良好,60-70分(含60分)为一般。60分以下的为较差" in seed


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("  - {grade: 良好, min: 70}", "  - {grade: 良好, min: 90}", "grades 应从高到低排列"),
        ("  - {grade: 较差, min: 0}", "  - {grade: 较差, min: 10}", "最后一档应从 0 分起"),
        ("      - code: HN16-2", "      - code: HN16-1", "指标 HN16-1 已在批次 hunan-2016 中"),
        ("      - code: HN17-1", "      - code: HN16-1", "指标 HN16-1 已在批次 hunan-2016 中"),
        ("        due: 2019年10月份前", "        due: 2019-10-31", "due_reading 只用于只写到月份的时限"),
    ],
)
def test_a_broken_notice_is_refused_in_chinese_naming_the_line(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = (EXAMPLES / "hunan.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "hunan.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan_or_rules(path)
    assert problem in str(caught.value) and "hunan.yaml" in str(caught.value) and "行" in str(caught.value)
