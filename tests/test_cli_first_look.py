"""A newcomer's first commands as real processes: the demo, then what the next verb shows;
exit codes cron can act on; tables at 80 columns; ``--json`` streamed row by row."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.cli.exits import ExitCode
from bot.cli.jsonout import write_rows
from bot.cli.zh import cells
from tests.conftest import EXAMPLES
from tests.fakes.wecom_server import FakeWeCom, running

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROJECTS = (
    "偏关县乡村e镇建设项目",
    "昭化区",
    "闻喜县桐城e镇项目",
    "沁县“沁州黄·乡村e镇”培育项目",
    "祁阳县",
)


def duban(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``duban`` as typed in ``cwd``: no DUBAN_* variable, so the data directory is ./data."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    environ.update(COLUMNS="80", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_after_the_demo_the_next_commands_see_its_projects(tmp_path: Path) -> None:
    demo = duban(tmp_path, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "duban status --as-of 2023-10-12" in demo.stdout  # it says what to run next
    status = duban(tmp_path, "status", "--as-of", "2023-10-12")
    assert status.returncode == 0, status.stderr
    assert all(county in status.stdout for county in ("偏关县", "闻喜县", "昭化区", "沁县", "祁阳县"))
    rows = json.loads(duban(tmp_path, "status", "--as-of", "2023-10-12", "--json").stdout)
    names = [row["name"] for row in rows if row["row"] == "project"]
    assert len(names) == 5 and all(any(n.startswith(p) for n in names) for p in DEMO_PROJECTS), names
    alerts = duban(tmp_path, "alerts", "--json")
    assert len(json.loads(alerts.stdout)) >= 20
    assert (tmp_path / "data" / "outbox").is_dir() and not (tmp_path / "data" / "demo").exists()


def test_data_dir_works_the_same_for_the_demo_and_the_next_verb(tmp_path: Path) -> None:
    assert duban(tmp_path, "--data-dir", "elsewhere", "demo").returncode == 0
    status = duban(tmp_path, "--data-dir", "elsewhere", "status", "--as-of", "2023-10-12", "--json")
    projects = [row["code"] for row in json.loads(status.stdout) if row["row"] == "project"]
    assert projects == ["pianguan", "qinxian", "qiyang", "wenxi", "zhaohua"]
    assert not (tmp_path / "data").exists()


def test_the_demo_runs_again_but_never_over_a_countys_data(tmp_path: Path) -> None:
    assert duban(tmp_path, "demo").returncode == 0
    assert duban(tmp_path, "demo").returncode == 0  # its own folder: rebuilt
    real = tmp_path / "county"
    assert duban(tmp_path, "--data-dir", "county", "import", str(EXAMPLES / "pianguan.yaml")).returncode == 0
    before = (real / "duban.db").read_bytes()
    refused = duban(tmp_path, "--data-dir", "county", "demo")
    assert refused.returncode == ExitCode.ERROR
    assert "已有正式数据" in refused.stderr and "Traceback" not in refused.stderr
    assert (real / "duban.db").read_bytes() == before


def test_status_lists_the_overdue_by_unit_and_person(tmp_path: Path) -> None:
    assert duban(tmp_path, "demo").returncode == 0
    out = duban(tmp_path, "status", "--as-of", "2023-10-16").stdout
    assert "已逾期的整改事项（按责任单位、责任人）" in out
    part = out[out.index("已逾期的整改事项") :]
    assert "偏关县工信局" in part and "高权、王雪" in part and "问题17" in part
    rows = json.loads(duban(tmp_path, "status", "--as-of", "2023-10-16", "--json").stdout)
    late = [r for r in rows if r["row"] == "overdue" and r["project"] == "pianguan"]
    assert len(late) == 14 and all(r["units"] and r["persons"] for r in late)


def test_tables_fold_at_80_columns_and_show_chinese_stages(tmp_path: Path) -> None:
    assert duban(tmp_path, "demo").returncode == 0
    for verb in (["alerts"], ["status", "--as-of", "2023-10-16"], ["evaluate", "--as-of", "2023-10-16"]):
        out = duban(tmp_path, *verb).stdout
        assert all(cells(line) <= 80 for line in out.splitlines()), out
        if verb[0] != "evaluate":  # its sentences are the messages' own, shortened by the renderer
            assert "…" not in out, out
    alerts = duban(tmp_path, "alerts").stdout
    assert "还剩1个工" in alerts and "remind-1" not in alerts  # the stage may fold inside its cell
    assert "北京时间" in alerts


def test_ack_takes_the_number_alerts_shows(tmp_path: Path) -> None:
    assert duban(tmp_path, "demo").returncode == 0
    first = json.loads(duban(tmp_path, "alerts", "--json").stdout)[0]
    acked = duban(tmp_path, "ack", str(first["id"]), "--reason", "已在周会上布置")
    assert acked.returncode == 0, acked.stderr
    assert f"编号 {first['id']}" in acked.stdout
    again = json.loads(duban(tmp_path, "alerts", "--json").stdout)
    assert next(a for a in again if a["id"] == first["id"])["state"] == "acknowledged"
    wrong = duban(tmp_path, "ack", "99999", "--reason", "x")
    assert wrong.returncode == ExitCode.ERROR and "没有编号为 99999 的提醒" in wrong.stderr


def test_a_failed_source_exits_3(tmp_path: Path) -> None:
    duban(tmp_path, "import", str(EXAMPLES / "wenxi.yaml"))
    closed = {"DUBAN_DEMO_BACKEND_URL": "http://127.0.0.1:9", "DUBAN_HTTP_TIMEOUT": "2"}  # nothing listens
    collect = duban(tmp_path, "collect", **closed)
    assert collect.returncode == ExitCode.SOURCE_FAILED, collect.stderr
    refresh = duban(tmp_path, "refresh", "--as-of", "2023-10-12", **closed)
    assert refresh.returncode == ExitCode.SOURCE_FAILED, refresh.stderr


def test_a_dead_message_exits_4(tmp_path: Path) -> None:
    duban(tmp_path, "import", str(EXAMPLES / "pianguan.yaml"))
    with running(FakeWeCom()) as wecom:
        live = {
            "DUBAN_DELIVERY": "live",
            "DUBAN_WECOM_API_BASE": wecom.url,
            "DUBAN_WECOM_KEY_PIANGUAN": "not-a-robot-key",  # WeCom answers 93000: never retried
        }
        notify = duban(tmp_path, "notify", "--as-of", "2023-10-12", **live)
    assert notify.returncode == ExitCode.UNDELIVERED, notify.stdout + notify.stderr
    assert "失败 " in notify.stdout


def test_json_is_one_array_written_row_by_row() -> None:
    stream = io.StringIO()
    seen_before_last: list[str] = []

    def rows() -> Iterator[dict[str, object]]:
        yield {"n": 1, "名称": "问题1"}
        yield {"n": 2}
        seen_before_last.append(stream.getvalue())  # what a pipe has received by now
        yield {"n": 3}

    assert write_rows(rows(), stream) == 3
    assert json.loads(stream.getvalue()) == [{"n": 1, "名称": "问题1"}, {"n": 2}, {"n": 3}]
    assert json.loads(seen_before_last[0].split("\n")[1].rstrip(",")) == {"n": 1, "名称": "问题1"}
    lines = stream.getvalue().splitlines()
    assert lines == ["[", '{"n": 1, "名称": "问题1"},', '{"n": 2},', '{"n": 3}', "]"]  # a row a line
    empty = io.StringIO()
    write_rows(iter(()), empty)
    assert json.loads(empty.getvalue()) == []


def test_evaluate_json_is_streamed_as_lines(tmp_path: Path) -> None:
    duban(tmp_path, "import", str(EXAMPLES / "pianguan.yaml"))
    out = duban(tmp_path, "evaluate", "--as-of", "2023-10-16", "--json").stdout
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    streamed = [json.loads(line.rstrip(","))["kind"] for line in lines[1:-1]]
    assert streamed == [f["kind"] for f in json.loads(out)]


def test_the_timetable_shows_the_wall_clock_in_beijing_time() -> None:
    """The wall clock is UTC: 20:00 UTC on 10-12 is 04:00 on 10-13 in Beijing, and says so."""
    from datetime import UTC, datetime

    from bot.cli import display
    from bot.settings import Settings
    from domain.schedule import job_specs, next_fires
    from domain.workdays import WorkCalendar

    now = datetime(2023, 10, 12, 20, 0, tzinfo=UTC)
    config = Settings().schedule()
    rows = [(spec, next_fires(spec, now, WorkCalendar(), 1)) for spec in job_specs(config)]
    with display.console.capture() as captured:
        display.schedule(rows, now, config.outbox_minutes)
    text = captured.get()
    assert "从现在 2023-10-13 04:00 起，北京时间" in text
    assert "2023-10-13 09:00" in "".join(text.split("│"))  # the daily run, in office hours
