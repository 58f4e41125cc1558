"""What the CLI prints at a province's size: ``duban evaluate`` counts per kind and project unless
``--all`` asks for every row (then listed a block at a time), ``duban status`` sums up each part per
project, ``duban alerts`` counts per state and project unless ``--list``, and ``duban notify`` in
console mode shows the first messages in full and then where each of the rest was saved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from itertools import groupby
from operator import attrgetter
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import display, main
from bot.status import gather_status
from bot.wiring import App
from db.engine import session_scope
from db.facts_loader import load_projects
from domain.evaluation import evaluate
from domain.findings import KINDS, Finding
from domain.keys import project_of
from jobs.acks import list_alerts
from notifiers.render import sentence
from tests.scenario_world import import_example, make_app

DAY = date(2023, 10, 16)


@pytest.fixture
def findings(tmp_path: Path) -> list[Finding]:
    """The three examples' findings on a day with items overdue, due soon and targets behind."""
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    with session_scope(app.engine) as session:
        facts = load_projects(session)
    app.engine.dispose()
    return evaluate(facts, DAY, app.calendar, app.policy, quiet=True)


def test_the_command_summarises_unless_asked_for_all(
    tmp_path: Path, findings: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(display, "DETAIL_ROWS", 40)
    data = ["--data-dir", str(tmp_path / "data"), "--env-file", str(tmp_path / "none.env")]
    runner = CliRunner(env={"COLUMNS": "400"})
    summary = runner.invoke(main, [*data, "evaluate", "--as-of", str(DAY)])
    assert summary.exit_code == 0, summary.output
    assert "按项目" in summary.output and not any(said(f) in summary.output for f in findings)
    listed = runner.invoke(main, [*data, "evaluate", "--as-of", str(DAY), "--all"])
    assert listed.exit_code == 0, listed.output
    assert "按项目" not in listed.output and all(said(f) in listed.output for f in findings)


def said(finding: Finding) -> str:
    return str(sentence(finding)).strip()


def shown(items: list[Finding], *, show_all: bool) -> str:
    with display.console.capture() as captured:
        display.findings(items, DAY, as_json=False, show_all=show_all)
    return captured.get()


def test_many_findings_are_counted_per_kind_and_project(
    findings: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(display, "DETAIL_ROWS", 40)  # the examples hold ~130; a province, 57,000
    assert len(findings) > 40
    text = shown(findings, show_all=False)
    assert "逐项列出请加 --all" in text and "共 3 个项目" in text
    assert not any(said(f) in text for f in findings)  # counted, not listed
    lines = text.splitlines()
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│ ")]
    for kind, count in Counter(KINDS.label(f.kind) for f in findings).items():
        reminds = sum(not f.quiet for f in findings if KINDS.label(f.kind) == kind)
        assert [kind, str(count), str(reminds)] in cells, kind
    for project, count in Counter(f.project for f in findings).items():
        row = next(line for line in lines if line.startswith(f"{project}　"))
        assert row.startswith(f"{project}　{count} 项：")
        per_kind = Counter(KINDS.label(f.kind) for f in findings if f.project == project)
        assert all(f"{kind} {n}" in row for kind, n in per_kind.items()), row


def test_all_lists_every_finding_in_blocks(findings: list[Finding], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(display, "DETAIL_ROWS", 40)
    text = shown(findings, show_all=True)
    assert "--all" not in text
    assert all(said(f) in text for f in findings)
    assert text.count("说明") == -(-len(findings) // 40)  # one table heading per block of 40
    assert text.count(f"{len(findings)} 项") == 1  # the title once, over the first block


def test_a_county_sized_list_is_still_shown_row_by_row(
    findings: list[Finding], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert len(findings) <= display.DETAIL_ROWS
    text = shown(findings, show_all=False)
    assert all(said(f) in text for f in findings) and "按项目" not in text


def test_notify_shows_the_first_messages_in_full_then_a_line_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools

    from notifiers.base import Format, Message

    monkeypatch.setattr(display, "_shown", itertools.count(1))
    monkeypatch.setenv("COLUMNS", "200")
    shown = []
    for n in range(display.SHOWN_IN_FULL + 3):
        message = Message(n, "group", f"县{n}工作群", "督办提醒", f"正文{n}", Format.MARKDOWN)
        with display.console.capture() as captured:
            display.show_message(message, tmp_path / f"{n}.md")
        shown.append(captured.get())
    assert all(f"正文{n}" in text for n, text in enumerate(shown[: display.SHOWN_IN_FULL]))
    rest = shown[display.SHOWN_IN_FULL :]
    assert "全文请看发件箱目录" in rest[0] and not any("正文" in text for text in rest)
    assert all(
        f"县{n}工作群" in text and f"{n}.md" in text for n, text in enumerate(rest, display.SHOWN_IN_FULL)
    )


def test_a_national_dry_run_shows_every_message_framing_only_the_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from db.models import Delivery
    from jobs.evaluate import EvaluateResult

    monkeypatch.setenv("COLUMNS", "200")
    queued = [
        Delivery(channel_code=f"group{n}", body=f"正文{n}\n[第二行](https://example.org/{n})")
        for n in range(display.SHOWN_IN_FULL + 5)
    ]
    with display.console.capture() as captured:
        display.dry_run(EvaluateResult(queued=queued))
    text = captured.get()
    assert f"将发送 {len(queued)} 条消息" in text
    assert all(f"正文{n}" in text and f"example.org/{n})" in text for n in range(len(queued)))
    framed, plain = text.split("不再加框")
    assert framed.count("╭") == display.SHOWN_IN_FULL and "╭" not in plain
    assert all(f"→ group{n}\n正文{n}" in plain for n in range(display.SHOWN_IN_FULL, len(queued)))


@pytest.fixture
def status_app(tmp_path: Path) -> Iterator[App]:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    yield app
    app.engine.dispose()


def status_text(app: App, *, show_all: bool, project: str | None = None) -> str:
    with display.console.capture() as captured:
        display.status(gather_status(app, DAY, project), show_all=show_all)
    return captured.get()


def test_status_sums_up_each_part_per_project_unless_asked_for_all(
    status_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``duban status`` at a province's size: a line per project for the overview, the overdue
    items (how many, the longest, how many per unit) and those due soon (how many, the nearest);
    ``--all`` lists every item, and a county's few rows are still tables."""
    monkeypatch.setenv("COLUMNS", "400")
    report = gather_status(status_app, DAY)
    assert report.overdue and report.due_soon
    county = status_text(status_app, show_all=False)
    assert "按项目汇总" not in county and "┃ 责任人" in county  # 3 projects: tables as before
    monkeypatch.setattr(display, "DETAIL_ROWS", 0)  # every part counts as long
    text = status_text(status_app, show_all=False)
    assert "共 3 个项目，事项较多，下面按项目汇总。逐项列出请加 --all" in text
    assert "责任人" not in text and not any(line.item in text for line in report.overdue)
    lines = text.splitlines()
    for p in report.projects:
        row = next(line for line in lines if line.startswith(f"{p.name}（{p.code}）　"))
        assert f"整改事项 {p.items}（已销号 {p.closed}，未销号 {p.open}）" in row
        assert f"5个工作日内到期 {p.due_soon}，已逾期 {p.overdue}" in row
    for project, late in groupby(sorted(report.overdue, key=attrgetter("project")), attrgetter("project")):
        items = list(late)
        row = next(line for line in lines if line.startswith(f"{project}　逾期"))
        assert row.startswith(
            f"{project}　逾期 {len(items)} 项，最长 {max(i.workdays for i in items)} 个工作日；"
        )
        units = Counter(unit for i in items for unit in i.units or ("未写责任单位",))
        assert all(f"{unit} {n}" in row for unit, n in units.items()), row
    for project, soon in groupby(sorted(report.due_soon, key=attrgetter("project")), attrgetter("project")):
        items = sorted(soon, key=attrgetter("deadline"))
        row = next(line for line in lines if line.startswith(f"{project}　{len(items)} 项，最近的时限"))
        assert f"最近的时限 {items[0].deadline}（还剩 {items[0].workdays} 个工作日）" in row
    monkeypatch.setattr(display, "DETAIL_ROWS", 5)  # listed as tables of 5 rows each
    every = status_text(status_app, show_all=True)
    rows = (len(report.projects), len(report.overdue_by_unit()), len(report.due_soon))
    assert every.count("┏") == sum(-(-n // 5) for n in rows)  # every table a block of 5 rows at most
    assert "按项目汇总" not in every and all(line.item in every for line in report.overdue + report.due_soon)


def test_status_of_one_project(status_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    text = status_text(status_app, show_all=False, project="wenxi")
    report = gather_status(status_app, DAY, "wenxi")
    assert [p.code for p in report.projects] == ["wenxi"]
    assert {line.project for line in report.overdue + report.due_soon} <= {"wenxi"}
    assert "闻喜" in text and "偏关" not in text and "昭化" not in text


def test_alerts_are_counted_per_project_unless_listed(
    tmp_path: Path, status_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``duban alerts`` with a province's 60,000 open alerts: how many in each state, then a line
    per project; ``--list`` lists every one, with the number ``duban ack`` takes."""
    monkeypatch.setattr(display, "DETAIL_ROWS", 5)
    data = ["--data-dir", str(tmp_path / "data"), "--env-file", str(tmp_path / "none.env")]
    runner = CliRunner(env={"COLUMNS": "400"})
    assert runner.invoke(main, [*data, "notify", "--as-of", str(DAY)]).exit_code == 0
    with session_scope(status_app.engine) as session:
        alerts = list_alerts(session, project=None, include_resolved=False)
    assert len(alerts) > 5
    summary = runner.invoke(main, [*data, "alerts"])
    assert summary.exit_code == 0, summary.output
    assert f"提醒共 {len(alerts)} 项，3 个项目，下面按状态和项目汇总" in summary.output
    assert f"按状态：待处理 {len(alerts)}" in summary.output
    assert not any(alert.subject in summary.output for alert in alerts)
    lines = summary.output.splitlines()
    for project, count in Counter(project_of(alert.key) for alert in alerts).items():
        told = sum(alert.notify_count for alert in alerts if project_of(alert.key) == project)
        row = next(line for line in lines if line.startswith(f"{project}　"))
        assert row.startswith(f"{project}　{count} 项：待处理 {count}；已提醒 {told} 次，最近一次 ")
    listed = runner.invoke(main, [*data, "alerts", "--list"])
    assert listed.exit_code == 0 and "汇总" not in listed.output
    assert all(f"│ {alert.id} " in listed.output and alert.subject in listed.output for alert in alerts)
