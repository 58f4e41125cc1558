"""``duban selfcheck``: before the acceptance, every standard with its verdict, the outcome, the grade.

What a project office depends on: all 39 of 闻喜's 建设标准 are listed with a verdict (their
sub-figures folded in), the outcome names the binding standards that block the acceptance, the
workbook says the same thing, and where a plan gives points the score and grade follow its bands.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.wiring import App
from db.engine import session_scope
from db.measurements import record_measurement
from db.models import Indicator
from domain.enums import Origin, Verdict
from domain.selfcheck import GradeBand, grade_of
from jobs.import_plans import import_files
from jobs.selfcheck import run_selfcheck
from tests.scenario_world import EXAMPLES, make_app
from tests.test_cli import duban

STANDARDS = [f"S{n:02d}" for n in range(1, 40)]
VERDICT_WORDS = {"已达标", "符合序时进度", "落后序时进度", "未达标", "数据未报送", "尚未到期"}
HUNAN_BANDS = [GradeBand("优秀", 85), GradeBand("良好", 70), GradeBand("一般", 60), GradeBand("较差", 0)]


def test_wenxi_selfcheck_lists_all_39_standards_with_a_verdict_and_the_acceptance_outcome(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "wenxi.yaml")).returncode == 0
    sheet_path = tmp_path / "闻喜自查.xlsx"
    shown = duban(data, "selfcheck", "--project", "wenxi", "--as-of", "2024-01-15", "--xlsx", str(sheet_path))
    assert shown.returncode == 0, shown.stderr
    assert "验收：暂不能通过，27 项约束性标准未达标" in shown.stdout
    assert "方案未给出各项标准的分值" in shown.stdout
    sheet = load_workbook(sheet_path).active
    assert sheet is not None
    rows = [tuple(r) for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    table = {r[0]: r for r in rows if r[1] is not None}
    assert [code for code in table if code.startswith("S")] == STANDARDS  # sub-figures are folded in
    assert all(table[code][4] in VERDICT_WORDS for code in table), [
        r for r in rows if r[4] not in VERDICT_WORDS
    ]
    assert table["S29"][2] == "约束性" and table["S29"][4] == "数据未报送"
    assert {code for code in table if code.startswith("T")} == {f"T{n:02d}" for n in range(1, 27)}
    outcome = [r[0] for r in rows if r[1] is None]
    assert outcome[0].startswith("验收：暂不能通过，27 项约束性标准未达标：S01、S02")


def test_selfcheck_json_is_one_row_per_standard_then_the_outcome(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "wenxi.yaml")).returncode == 0
    shown = duban(data, "selfcheck", "--project", "wenxi", "--as-of", "2024-01-15", "--json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    standards = [r for r in rows if r["row"] == "standard"]
    assert [r["code"] for r in standards if r["code"].startswith("S")] == STANDARDS
    assert rows[-1]["row"] == "outcome" and rows[-1]["passes"] is False
    assert len(rows[-1]["blocking"]) == 27 and rows[-1]["blocking"][:2] == ["S01", "S02"]
    assert len(shown.stdout.splitlines()) == len(rows) + 2  # one object per line, as it is produced


def test_a_figure_meeting_every_part_meets_the_standard_and_one_part_short_blocks_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_files(app.engine, [EXAMPLES / "wenxi.yaml"])
    with session_scope(app.engine) as session:
        parts = {i.code: i for i in session.exec(select(Indicator).where(Indicator.part_of == "S20"))}
        assert set(parts) == {"S20a", "S20b"}
        record_measurement(
            session,
            indicator=parts["S20a"],
            month="2023-11",
            value=620,
            unit=parts["S20a"].unit,
            origin=Origin.MANUAL,
        )
    check = run_selfcheck(
        app.engine, project="wenxi", as_of=date(2024, 1, 15), calendar=app.calendar, policy=app.policy
    )
    (s20,) = [r for r in check.rows if r.code == "S20"]
    assert s20.parts == ("S20a", "S20b")
    assert "S20a 2023年11月 620" in s20.latest and "手工录入" in s20.evidence
    assert s20.verdict is not Verdict.MET and s20 in check.blocking  # S20b still has no figure


def test_an_unknown_project_is_a_clear_error(tmp_path: Path) -> None:
    shown = duban(tmp_path / "data", "selfcheck", "--project", "nowhere")
    assert shown.returncode == 1
    assert "项目 nowhere 不存在" in shown.stderr and "Traceback" not in shown.stderr


@pytest.mark.parametrize(
    ("score", "grade"),
    [(98.5, "优秀"), (85, "优秀"), (84.9, "良好"), (70, "良好"), (60, "一般"), (59.5, "较差")],
)
def test_grades_follow_the_bands_of_the_notice(score: float, grade: str) -> None:
    """附件2 备注: 85分以上(含85分)为优秀, 70-85分(含70分)为良好, 60-70分(含60分)为一般, 60分以下为较差."""
    assert grade_of(score, HUNAN_BANDS) == grade


PLAN = """\
format: 2
project: {code: pointed, name: 计分示例项目, county: 某县, plan_start: 2023-01-01, plan_end: 2023-12-31}
grades:
  - {grade: 优秀, min: 85}
  - {grade: 良好, min: 70}
  - {grade: 一般, min: 60}
  - {grade: 较差, min: 0}
indicators:
  - {code: A1, name: 服务站点, unit: 个, target: 10, period: once, due: 2023-12-31, points: 50}
  - {code: A2, name: 培训人次, unit: 人次, target: 500, period: once, due: 2023-12-31, points: 30}
  - {code: A3, name: 品牌数量, unit: 个, target: 3, period: once, due: 2023-12-31, points: 20}
"""


def test_points_and_bands_give_the_expected_score_and_grade(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    path = tmp_path / "pointed.yaml"
    path.write_text(PLAN, encoding="utf-8")
    import_files(app.engine, [path])
    with session_scope(app.engine) as session:
        rows = {i.code: i for i in session.exec(select(Indicator))}
        for code, value in (("A1", 12), ("A2", 520), ("A3", 1)):
            record_measurement(
                session,
                indicator=rows[code],
                month="2023-12",
                value=value,
                unit=rows[code].unit,
                origin=Origin.MANUAL,
            )
    check = run_selfcheck(
        app.engine, project="pointed", as_of=date(2024, 1, 15), calendar=app.calendar, policy=app.policy
    )
    assert (check.score, check.full, check.grade) == (80, 100, "良好")
    assert [r.code for r in check.blocking] == ["A3"] and not check.passes
    shown = duban(tmp_path / "cli", "import", str(path))
    assert shown.returncode == 0


@pytest.mark.both_databases
def test_a_hunan_county_selfcheck_names_the_notice_requirements_that_block_it(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "hunan.yaml", EXAMPLES / "hunan-qiyang.yaml"])
    check = run_selfcheck(
        app.engine, project="qiyang", as_of=date(2019, 1, 15), calendar=app.calendar, policy=app.policy
    )
    assert [(r.code, r.verdict) for r in check.rows] == [
        ("HN16-1", Verdict.NOT_MET),
        ("HN16-2", Verdict.NOT_REPORTED),
        ("HN16-3", Verdict.NOT_YET_DUE),
    ]
    assert [r.code for r in check.blocking] == ["HN16-1", "HN16-3"]  # HN16-2 (力争) is 期望性
    assert check.score is None and check.grade is None  # the notice gives bands, not points
