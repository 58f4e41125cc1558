"""Figures that disagree (数据口径不一致): the plan's ``agree_within``, from the YAML file through the
importer, two real recorded measurements with their evidence and the loader, to one finding and
its sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from db.engine import session_scope
from db.evidence import store_evidence
from db.facts_loader import load_projects
from db.measurements import record_measurement
from db.models import Indicator
from domain.agreement import parse_agree_within
from domain.enums import Binding, Comparator, FindingKind, IndicatorKind, Origin, PeriodKind
from domain.errors import PlanFileError
from domain.evaluation import Policy, evaluate
from domain.facts import IndicatorFacts, ProjectFacts, SourceFacts, SourceReading
from domain.findings import KINDS, DataMismatch
from domain.resolutions import clearing_for, clearings
from domain.workdays import WorkCalendar
from jobs.import_plans import import_files
from notifiers.render import sentence
from tests.scenario_world import make_app

AS_OF = date(2023, 10, 16)
CAL = WorkCalendar()
SOURCES = (
    SourceFacts(code="backend", kind="html_table", name="县电商服务中心后台"),
    SourceFacts(code="mofcom", kind="html_table", name="商务部系统填报"),
)


def reading(source: str, value: float, day: int, evidence: int | None = None, month: str = "2023-09"):
    return SourceReading(month, source, value, False, date(2023, 10, day), evidence, None)


def mismatches(*readings: SourceReading, within: str = "5%") -> list[DataMismatch]:
    indicator = IndicatorFacts(
        project="wenxi",
        code="S36",
        name="网络零售额",
        kind=IndicatorKind.NUMERIC,
        binding=Binding.BINDING,
        unit="万元",
        comparator=Comparator.GE,
        target=None,
        target_high=None,
        period=PeriodKind.PER_YEAR,
        figure=True,
        agree_within=parse_agree_within(within),
        readings=tuple(readings),
    )
    project = ProjectFacts("wenxi", "闻喜县", None, None, indicators=(indicator,), sources=SOURCES)
    found = evaluate([project], AS_OF, CAL, Policy())
    return [f for f in found if isinstance(f, DataMismatch)]


def test_two_sources_beyond_the_tolerance_are_one_finding_naming_both() -> None:
    (finding,) = mismatches(reading("backend", 1808.6, 8, 12), reading("mofcom", 1650, 9, 15))
    assert finding.kind is FindingKind.DATA_MISMATCH and KINDS.label(finding.kind) == "数据口径不一致"
    assert finding.key == "wenxi/indicator/S36/mismatch/2023-09/backend+mofcom"
    assert not finding.repeat  # told once per month and pair
    assert sentence(finding) == (
        "S36 网络零售额 2023年9月：县电商服务中心后台 1,808.6 万元（10月8日采集，佐证 #12）"
        "与商务部系统填报 1,650 万元（10月9日采集，佐证 #15）相差 158.6 万元（8.8%），"
        "超过方案允许的 5%。请核实口径后更正其中一个数。"
    )


def test_within_the_tolerance_one_source_or_another_month_is_no_finding() -> None:
    assert mismatches(reading("backend", 1808.6, 8), reading("mofcom", 1750, 9)) == []
    assert mismatches(reading("backend", 1808.6, 8)) == []  # one source only
    assert mismatches(reading("backend", 100, 8), reading("mofcom", 90, 9, month="2023-08")) == []
    # An amount in the indicator's unit: 158.6 万元 apart is within 200, not within 100.
    assert mismatches(reading("backend", 1808.6, 8), reading("mofcom", 1650, 9), within="200") == []
    (finding,) = mismatches(reading("backend", 1808.6, 8), reading("manual", 1650, 9), within="100")
    assert "手工录入 1,650 万元（10月9日录入，无佐证）" in sentence(finding)
    assert "超过方案允许的 100 万元" in sentence(finding)


def test_an_unknown_tolerance_is_refused() -> None:
    with pytest.raises(ValueError, match="agree_within"):
        parse_agree_within("五个点")
    assert str(parse_agree_within("5 ％")) == "5%" and str(parse_agree_within(20)) == "20"


PLAN = """format: 2
project: {code: wenxi, name: 闻喜县, county: 闻喜县, plan_start: 2023-01-01, plan_end: 2025-12-31}
sources:
  - {code: backend, kind: html_table, name: 县电商服务中心后台, settings: {url: "http://127.0.0.1:9/monthly"}}
indicators:
  - {code: S36, name: 网络零售额, unit: 万元, target: 20000, source: backend,
     agree_within: 5%}
"""


@pytest.mark.both_databases
def test_two_recorded_sources_reach_the_finding_and_a_revision_is_not_a_source(
    tmp_path: Path, database: str | None
) -> None:
    plan = tmp_path / "wenxi.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    app = make_app(tmp_path, database_url=database)
    import_files(app.engine, [plan])
    with session_scope(app.engine) as session:
        s36 = session.exec(select(Indicator).where(Indicator.code == "S36")).one()
        page = store_evidence(
            session, tmp_path / "ev", b"<table>1808.6</table>", origin="http://127.0.0.1/x",
            fetched_at=datetime(2023, 10, 8, tzinfo=UTC),
        )  # fmt: skip
        ledger = store_evidence(
            session,
            tmp_path / "ev",
            b"ledger",
            origin="台账.xlsx",
            fetched_at=datetime(2023, 10, 9, tzinfo=UTC),
        )
        collected, manual = (Origin.COLLECTED, "backend", page), (Origin.MANUAL, None, ledger)
        for month, value, (origin, source, evidence) in [
            ("2023-09", 1700.0, collected), ("2023-09", 1808.6, collected),  # revised: the latest counts
            ("2023-08", 1600.0, collected), ("2023-08", 1590.0, manual), ("2023-09", 1650.0, manual),
        ]:  # fmt: skip
            record_measurement(
                session, indicator=s36, month=month, value=value, unit="万元",
                origin=origin, source_code=source, evidence=evidence,
            )  # fmt: skip
        (facts,) = load_projects(session, ["wenxi"])
    found = [f for f in evaluate([facts], AS_OF, CAL, Policy()) if isinstance(f, DataMismatch)]
    (finding,) = found  # August agrees (0.6%); September does not, and only once
    assert (finding.first.value, finding.second.value) == (1808.6, 1650)
    assert (finding.first.evidence_id, finding.second.evidence_id) == (page.id, ledger.id)
    text = sentence(finding)
    assert "县电商服务中心后台 1,808.6 万元" in text and "手工录入 1,650 万元" in text
    assert f"佐证 #{ledger.id} 台账.xlsx" in text and "http" not in text
    with session_scope(app.engine) as session:  # corrected by hand: the two agree again
        s36 = session.exec(select(Indicator).where(Indicator.code == "S36")).one()
        record_measurement(
            session,
            indicator=s36,
            month="2023-09",
            value=1808.6,
            unit="万元",
            origin=Origin.MANUAL,
            evidence=ledger,
        )
        (facts,) = load_projects(session, ["wenxi"])
    assert not [f for f in evaluate([facts], AS_OF, CAL, Policy()) if isinstance(f, DataMismatch)]
    cleared = clearing_for(finding.key, clearings([facts]), FindingKind.DATA_MISMATCH)
    assert cleared.note == "两处数据已核对一致" and not cleared.quiet


def test_an_unknown_agree_within_names_file_line_and_field(tmp_path: Path) -> None:
    plan = tmp_path / "wenxi.yaml"
    plan.write_text(PLAN.replace("agree_within: 5%", "agree_within: 五个点"), encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        import_files(make_app(tmp_path).engine, [plan])
    error = caught.value
    assert error.path == plan and error.line == 7 and error.field == "indicators.0.agree_within"
    assert "agree_within" in str(error) and "5%" in str(error)
