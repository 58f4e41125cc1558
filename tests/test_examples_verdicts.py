"""The example plans, imported as a county would: after the plan's end every indicator has exactly
one verdict and none is silent; a binding one is met, not met or not reported. The quiet verdicts
(met, on pace, not yet due) never become alerts or messages."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from collectors.plan.loader import load_plan_file
from db.engine import session_scope
from db.facts_loader import load_projects
from db.models import Alert
from domain.enums import Binding, Verdict
from domain.evaluation import evaluate
from domain.findings import Finding
from domain.keys import parse
from tests.scenario_world import EXAMPLES, import_example, make_app, run_day

# A day after each plan's end once its last month's figures were due (the 10th of the month after):
# 闻喜's plan ends 2023-12-31; 偏关's latest item deadline is 2023-10-31; 昭化's report is of 2019;
# 沁县's last window (到2025年) ends 2025-12-31.
AFTER_END = {
    "wenxi": date(2024, 1, 15),
    "pianguan": date(2024, 1, 15),
    "zhaohua": date(2020, 1, 15),
    "qinxian": date(2026, 1, 15),
}
DECIDED = {Verdict.MET, Verdict.NOT_MET, Verdict.NOT_REPORTED}


def verdicts_of(tmp_path: Path, name: str, as_of: date) -> list[Finding]:
    app = make_app(tmp_path)
    import_example(app, f"{name}.yaml")
    with session_scope(app.engine) as session:
        facts = load_projects(session, [name])
    return [f for f in evaluate(facts, as_of, app.calendar, app.policy, quiet=True) if f.verdict]


@pytest.mark.parametrize("name", sorted(AFTER_END))
def test_every_indicator_gets_exactly_one_verdict_after_the_plan_ends(tmp_path: Path, name: str) -> None:
    plan = load_plan_file(EXAMPLES / f"{name}.yaml")
    found = verdicts_of(tmp_path, name, AFTER_END[name])
    per_target = Counter((parse(f.key).indicator_code, parse(f.key).subject.parts[2:]) for f in found)
    assert all(n == 1 for n in per_target.values()), per_target  # one verdict per target (and town)
    codes = {code for code, _ in per_target}
    assert codes == {i.code for i in plan.indicators if not i.figure}  # none is silent
    assert not codes & {i.code for i in plan.indicators if i.figure}  # a reference figure is no target
    binding = {i.code for i in plan.indicators if i.binding is Binding.BINDING}
    for f in found:
        if parse(f.key).indicator_code in binding:
            assert f.verdict in DECIDED, (f.subject, f.verdict)


def test_the_wenxi_plan_counts_are_those_of_the_file(tmp_path: Path) -> None:
    """The 28 indicators the issue found silent at 2024-01-15 all have a verdict now."""
    plan = load_plan_file(EXAMPLES / "wenxi.yaml")
    found = verdicts_of(tmp_path, "wenxi", date(2024, 1, 15))
    said = {parse(f.key).indicator_code for f in found}
    for code in ("S05", "S19", "S29", "S33", "S35", "S37", "T01"):
        assert code in said
    assert len(said) == len(plan.indicators)


def test_quiet_verdicts_create_no_alerts(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_example(app, "wenxi.yaml")
    day = date(2023, 6, 15)
    with session_scope(app.engine) as session:
        facts = load_projects(session, ["wenxi"])
    quiet = [f for f in evaluate(facts, day, app.calendar, app.policy, quiet=True) if f.quiet]
    assert len(quiet) > 30  # most of the plan is not yet due in June
    result = run_day(app, day, "wenxi")
    assert not any(f.quiet for f in result.findings)
    with Session(app.engine) as session:
        kinds = {a.kind for a in session.exec(select(Alert))}
    assert not kinds & {"target_met", "on_pace", "not_yet_due"}
    assert {a for a in kinds} == {f.kind.value for f in result.findings}


def test_duban_evaluate_shows_every_verdict_and_import_names_the_format(tmp_path: Path) -> None:
    import json

    from tests.test_cli import duban

    data = tmp_path / "data"
    imported = duban(data, "import", str(EXAMPLES / "wenxi.yaml"))
    assert imported.returncode == 0 and "（方案格式第 2 版）" in imported.stdout
    evaluated = duban(data, "evaluate", "--project", "wenxi", "--as-of", "2023-06-15", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    shown = [f for f in json.loads(evaluated.stdout) if f["verdict"]]
    plan = load_plan_file(EXAMPLES / "wenxi.yaml")
    assert len(shown) == len(plan.indicators)  # no town has figures yet: one verdict each
    assert {f["verdict"] for f in shown} == {"not_yet_due"}
    assert not any(f["reminds"] for f in shown)
    table = duban(data, "evaluate", "--project", "wenxi", "--as-of", "2023-06-15")
    reminding = sum(f["reminds"] for f in json.loads(evaluated.stdout))
    assert f"其中 {reminding} 项会发提醒" in table.stdout and "尚未到期" in table.stdout


def test_a_figure_reported_late_that_meets_the_target_clears_not_reported_with_its_note(
    tmp_path: Path,
) -> None:
    from db.measurements import record_measurement
    from db.models import Indicator
    from domain.enums import Origin

    app = make_app(tmp_path)
    import_example(app, "wenxi.yaml")
    first = run_day(app, date(2024, 1, 3), "wenxi")
    key = "wenxi/indicator/S23/once/2023-12-31"
    assert any(f.key == key and f.kind.value == "not_reported" for f in first.findings)
    with session_scope(app.engine) as session:
        s23 = session.exec(select(Indicator).where(Indicator.code == "S23")).one()
        record_measurement(
            session, indicator=s23, month="2023-12", value=620, unit="平方米", origin=Origin.MANUAL
        )
    later = run_day(app, date(2024, 1, 4), "wenxi")
    assert later.resolved >= 1
    (body,) = [d.body for d in later.queued if key in d.alert_keys]
    assert "数值已报送，目标已达到" in body
