"""The first cycle through every stage: collect (real HTTP) → store → evaluate → outbox → deliver.
The whole-county cycles run on SQLite and on PostgreSQL; the collection failures (the same on
both, and covered there by tests/test_collect_job.py) on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import office_morning
from bot.demo.backend import monthly_rows, render_monthly, running_backend
from bot.wiring import App
from db.engine import session_scope
from db.models import Alert, CollectionAttempt, Delivery, Evidence, Measurement
from domain.enums import AlertState, DeliveryStatus
from jobs.cycle import run_cycle
from jobs.import_plans import import_files
from jobs.manual import close_item, record_figure
from tests.conftest import EXAMPLES

AS_OF = date(2023, 10, 12)


@pytest.fixture
def backend() -> Iterator[str]:
    with running_backend() as url:
        yield url


@pytest.fixture
def county(app: App, backend: str) -> App:
    import_files(app.engine, [EXAMPLES / "pianguan.yaml", EXAMPLES / "wenxi.yaml"])
    app.environ = {"DUBAN_DEMO_BACKEND_URL": backend}
    return app


def outbox(app: App) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(app.settings.outbox_dir.glob("*"))}


@pytest.mark.both_databases
def test_cycle_collects_with_evidence_and_tells_the_right_people(county: App) -> None:
    result = run_cycle(county, as_of=AS_OF, now=office_morning(AS_OF))
    assert result.collected is not None and result.collected.figures == 9
    assert result.delivered.sent == 2  # one digest per working group: 偏关 and 闻喜
    with session_scope(county.engine) as session:
        september = session.exec(select(Measurement).where(Measurement.month == "2023-09")).one()
        evidence = session.get(Evidence, september.evidence_id)
    assert september.value == 245.5
    assert evidence is not None and evidence.http_status == 200
    stored = county.settings.evidence_dir / evidence.path
    assert "网络零售额".encode("gbk") in stored.read_bytes()  # the page exactly as served (GBK)

    messages = outbox(county)
    pianguan = next(text for name, text in messages.items() if "pianguan-work" in name)
    assert "高权、王雪：以下 13 项整改事项的时限为 2023年10月15日（星期日），还剩 1 个工作日" in pianguan
    assert "问题14：乡村 e 镇范围内的网络零售额为 199.88 万元" in pianguan
    assert "问题13" not in pianguan  # due 10-20: 6 working days away, not yet
    wenxi = next(text for name, text in messages.items() if "wenxi-work" in name)
    assert "S36 网络零售额（约束性）：截至 2023年9月累计 1,808.6 万元" in wenxi
    assert "应完成 2,250 万元，落后 441.4 万元" in wenxi


@pytest.mark.both_databases
def test_rerunning_the_same_day_sends_nothing_new(county: App) -> None:
    run_cycle(county, as_of=AS_OF, now=office_morning(AS_OF))
    first = outbox(county)
    again = run_cycle(county, as_of=AS_OF, now=office_morning(AS_OF))
    assert again.evaluated.deliveries == 0 and again.delivered.sent == 0
    assert outbox(county) == first


@pytest.mark.both_databases
def test_next_stage_is_told_once_and_closing_resolves_once(county: App) -> None:
    run_cycle(county, as_of=AS_OF, now=office_morning(AS_OF))
    friday = date(2023, 10, 13)  # the last working day before Sunday's deadline
    result = run_cycle(county, as_of=friday, now=office_morning(friday), collect_first=False)
    # 14 items on their last working day and 13 at 5 days; the targets in their measures with them
    # (P04, P05, P08 due on the 15th, P13 at 5 days)
    assert result.evaluated.notified == 19
    latest = [t for n, t in outbox(county).items() if "pianguan-work" in n][-1]
    assert "以下 13 项整改事项的时限为 2023年10月15日（星期日），今天是到期前最后一个工作日" in latest
    assert "以下整改事项的时限为 2023年10月20日（星期五），还剩 5 个工作日" in latest

    close_item(
        county,
        project="pianguan",
        batch="",
        number="1",
        result="已报备省市商务局",
        evidence=None,
        now=office_morning(friday),
    )
    monday = date(2023, 10, 16)
    result = run_cycle(county, as_of=monday, now=office_morning(monday), collect_first=False)
    assert result.evaluated.resolved == 1
    texts = [t for n, t in outbox(county).items() if "pianguan-work" in n]
    # The resolution goes out alone, beside the overdue digest, not inside it.
    (resolution,) = [t for t in texts if "问题1已于" in t]
    assert "问题1已于2023年10月13日销号，整改结果：已报备省市商务局，今后不再提醒。" in resolution
    assert "逾期" not in resolution and "按时限落实" not in resolution
    overdue = "高权、王雪：以下 13 项整改事项的时限 2023年10月15日（星期日）已过，逾期 1 天"
    assert any(overdue in t and "问题1已于" not in t for t in texts)
    result = run_cycle(county, as_of=monday, now=office_morning(monday), collect_first=False)
    assert result.evaluated.resolved == 0 and result.delivered.sent == 0
    with session_scope(county.engine) as session:
        alert = session.exec(select(Alert).where(Alert.key.contains("/-/1/"))).one()  # type: ignore[attr-defined]
    assert alert.state is AlertState.RESOLVED


def test_changed_layout_is_a_recorded_failure_not_a_zero(app: App) -> None:
    rows = [
        {("销售额（万元）" if k.startswith("网络零售额") else k): v for k, v in r.items()}
        for r in monthly_rows()
    ]
    with running_backend({"/wenxi/monthly": render_monthly(rows)}) as url:
        import_files(app.engine, [EXAMPLES / "wenxi.yaml"])
        app.environ = {"DUBAN_DEMO_BACKEND_URL": url}
        result = run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF))
    assert result.collected is not None and result.collected.figures == 0
    assert "找不到列“网络零售额（万元）”" in result.collected.failures[0]
    with session_scope(app.engine) as session:
        assert session.exec(select(Measurement)).all() == []
        attempt = session.exec(select(CollectionAttempt)).one()
        assert attempt.ok is False and attempt.evidence_id is not None  # the page that changed is kept
    wenxi = next(text for name, text in outbox(app).items() if "wenxi-work" in name)
    assert "数据源 wenxi-backend 采集失败" in wenxi
    assert "已保留出错时的原始页面作为证据" in wenxi


def test_a_dead_backend_is_a_failure_with_a_reason(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "wenxi.yaml"])
    app.environ = {"DUBAN_DEMO_BACKEND_URL": "http://127.0.0.1:9"}  # discard port: refused
    result = run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF))
    assert result.collected is not None
    assert "无法连接" in result.collected.failures[0]
    assert "http://127.0.0.1:9/wenxi/monthly" in result.collected.failures[0]  # a URL is no secret
    wenxi = next(text for name, text in outbox(app).items() if "wenxi-work" in name)
    assert "无法连接" in wenxi
    assert "原始页面" not in wenxi  # nothing answered, so no page is claimed as evidence


def test_a_missing_secret_is_named_not_guessed(app: App) -> None:
    import_files(app.engine, [EXAMPLES / "wenxi.yaml"])
    result = run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF))
    assert result.collected is not None
    assert "DUBAN_DEMO_BACKEND_URL" in result.collected.failures[0]


@pytest.mark.both_databases
def test_hand_entered_figure_keeps_revisions(county: App, tmp_path: Path) -> None:
    proof = tmp_path / "9月报表截图.png"
    proof.write_bytes(b"\x89PNG fake screenshot bytes")
    first = record_figure(
        county,
        project="wenxi",
        indicator="S36",
        month="2023-10",
        value=2_600_000,
        unit="元",
        cumulative=False,
        evidence=proof,
        note=None,
        now=office_morning(AS_OF),
    )
    same = record_figure(
        county,
        project="wenxi",
        indicator="S36",
        month="2023-10",
        value=260,
        unit=None,
        cumulative=False,
        evidence=None,
        note=None,
        now=office_morning(AS_OF),
    )
    second = record_figure(
        county,
        project="wenxi",
        indicator="S36",
        month="2023-10",
        value=270,
        unit="万元",
        cumulative=False,
        evidence=None,
        note="更正",
        now=office_morning(AS_OF),
    )
    assert first is not None and first.value == 260 and first.revision == 1
    assert same is None  # the same value again is not a revision
    assert second is not None and second.revision == 2
    with session_scope(county.engine) as session:
        kept = session.exec(select(Measurement).where(Measurement.month == "2023-10")).all()
        evidence = session.get(Evidence, first.evidence_id)
    assert [m.value for m in kept] == [260, 270]
    assert evidence is not None and evidence.origin == "9月报表截图.png"


@pytest.mark.both_databases
def test_outbox_rows_are_sent_once(county: App) -> None:
    run_cycle(county, as_of=AS_OF, now=office_morning(AS_OF))
    with session_scope(county.engine) as session:
        rows = session.exec(select(Delivery)).all()
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert all(r.attempts == 1 for r in rows)
