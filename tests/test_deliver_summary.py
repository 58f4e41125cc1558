"""``duban summary``: the leaders' email with the chart embedded, through the outbox, once a period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import main
from db.channels import leader_channels
from db.engine import session_scope
from db.models import Delivery, Project
from jobs import summary
from jobs.manual import record_figure
from jobs.summary import queue_summaries
from tests.fakes.smtp_server import smtp_server
from tests.scenario_world import import_example, make_app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def duban(tmp_path: Path, *args: str, **env: str) -> Result:
    environ = {"DUBAN_DATA_DIR": str(tmp_path / "data"), **env}
    return CliRunner().invoke(main, ["--env-file", str(tmp_path / "none.env"), *args], env=environ)


def test_monthly_summary_email_with_the_chart(tmp_path: Path) -> None:
    assert duban(tmp_path, "import", str(EXAMPLES / "wenxi.yaml")).exit_code == 0
    recorded = duban(
        tmp_path,
        "record",
        "S36",
        "--project",
        "wenxi",
        "--month",
        "2023-09",
        "--value",
        "1808.6",
        "--cumulative",
    )
    assert recorded.exit_code == 0, recorded.output
    with smtp_server(tmp_path) as box:
        env = {
            "DUBAN_DELIVERY": "live",
            "DUBAN_SMTP_HOST": "127.0.0.1",
            "DUBAN_SMTP_PORT": str(box.port),
            "DUBAN_SMTP_SECURITY": "none",
            "DUBAN_SMTP_FROM": "duban@example.com",
        }
        first = duban(
            tmp_path, "summary", "--period", "month", "--as-of", "2023-10-12", "--project", "wenxi", **env
        )
        again = duban(
            tmp_path, "summary", "--period", "month", "--as-of", "2023-10-20", "--project", "wenxi", **env
        )
    assert first.exit_code == 0, first.output
    assert "新排入 1 条" in first.output and "本期已发过 1 条" in again.output
    (mail,) = box.received  # once per period
    assert mail["Subject"] == "【督办月报】闻喜县桐城e镇项目（2023年10月）"
    html = mail.get_body(("html",))
    assert html is not None and 'src="cid:chart"' in html.get_content()
    (image,) = [p for p in mail.walk() if p.get("Content-ID") == "<chart>"]
    assert image.get_content().startswith(b"\x89PNG")
    plain = mail.get_body(("plain",))
    assert plain is not None and "S36 网络零售额：1,808.6 / 3,000 万元" in plain.get_content()
    # The month's acceptance self-check: the leaders see which binding standards still block it.
    text = plain.get_content()
    assert "验收自查（截至 2023年10月12日（星期四））" in text
    assert "- 验收：暂不能通过，27 项约束性标准未达标：S01、S02" in text
    assert "验收自查" in html.get_content()


def test_each_project_is_reported_done_for_the_progress_bar(tmp_path: Path) -> None:
    """``duban summary`` over a province takes minutes (a chart per project): the progress bar is
    told each project once as it is done, those without a leaders' channel too."""
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    done: list[str] = []
    result = queue_summaries(
        app.engine,
        as_of=date(2023, 10, 12),
        now=datetime.now(UTC),
        period="week",
        attachments_dir=tmp_path / "attachments",
        on_project=done.append,
    )
    with session_scope(app.engine) as session:
        leaders = {p.code: leader_channels(session, project_id=p.id) for p in session.exec(select(Project))}
    codes = sorted(leaders)
    app.engine.dispose()
    assert sorted(done) == codes  # each project once
    assert [code for code in codes if not leaders[code]] == result.projects_without_leaders
    assert result.queued == sum(len(channels) for channels in leaders.values()) > 0


def queued_summaries(tmp_path: Path) -> list[tuple[str, str, list[dict[str, str]]]]:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    record_figure(  # a figure to draw: wenxi's chart
        app,
        project="wenxi",
        indicator="S36",
        month="2023-09",
        value=1808.6,
        unit=None,
        cumulative=True,
        evidence=None,
        note=None,
        now=datetime(2023, 10, 11, tzinfo=UTC),
    )
    queue_summaries(
        app.engine,
        as_of=date(2023, 10, 12),
        now=datetime.now(UTC),
        period="month",
        attachments_dir=tmp_path / "attachments",
        calendar=app.calendar,
        policy=app.policy,
    )
    with session_scope(app.engine) as session:
        rows = [
            (d.dedup_key, d.body, d.attachments) for d in session.exec(select(Delivery).order_by(Delivery.id))
        ]
    app.engine.dispose()
    return rows


def test_charts_drawn_by_two_workers_are_the_charts_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's charts are drawn by two forked workers: the same summaries, in the same
    order, with the same chart files (named by their content) as when this process draws them."""
    here = queued_summaries(tmp_path / "here")
    monkeypatch.setattr(summary, "PARALLEL_CHARTS", 1)
    apart = queued_summaries(tmp_path / "apart")
    assert [row[0] for row in apart] == [row[0] for row in here] and len(here) >= 2
    assert [row[1] for row in apart] == [row[1] for row in here]
    names = [[Path(a["path"]).name for a in row[2]] for row in here]
    assert [[Path(a["path"]).name for a in row[2]] for row in apart] == names and any(names)
    assert all(Path(a["path"]).read_bytes().startswith(b"\x89PNG") for row in apart for a in row[2])
