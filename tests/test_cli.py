"""The CLI as a person runs it: a real process, a fresh data directory, exit codes and text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES


def duban(
    data: Path, *args: str, cwd: Path | None = None, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(COLUMNS="200", DUBAN_DATA_DIR=str(data))
    if database_url:
        env["DUBAN_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or data.parent,
        timeout=120,
        check=False,
    )


def test_demo_prints_the_messages_it_sends(tmp_path: Path) -> None:
    result = duban(tmp_path / "data", "demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "偏关县乡村e镇工作群" in out
    assert "高权、王雪：以下 13 项整改事项的时限为 2023年10月15日（星期日），还剩 1 个工作日" in out
    pace = "S36 网络零售额（约束性）：截至 2023年9月累计 1,808.6 万元，完成 2023 年目标 3,000 万元的 60.3%"
    assert pace in out
    outbox = tmp_path / "data" / "outbox"
    previews = list(outbox.glob("*.html"))
    assert previews, "an HTML email preview is written"
    assert "<html" in previews[0].read_text(encoding="utf-8")
    assert len(list(outbox.glob("*.md"))) == 5  # 偏关, 昭化, 闻喜, 沁县 and 祁阳县's work groups
    # 沁县: the monthly progress report is a deliverable of its own month, reminded like a deadline.
    assert "Q43 各单位每月报送工作进展（2022年6月，此后另有 15 期逾期未报送，约束性）" in out
    # 祁阳县, a 2016 示范县 of the 湖南 notice: its 2018 requirements are long overdue in the demo.
    (qiyang,) = outbox.glob("*-qiyang-work.md")
    assert "HN16-3 中央资金全部拨付" in qiyang.read_text(encoding="utf-8")
    # A collected figure's source is named as the plan names it, not by its code (wenxi-backend).
    (wenxi,) = outbox.glob("*-wenxi-work.md")
    assert "数据来源：桐城e镇电商公共服务中心数据后台（原始页面已存证）。" in wenxi.read_text(
        encoding="utf-8"
    )


def test_broken_plan_is_one_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "pianguan.yaml")).returncode == 0
    database = data / "duban.db"
    before = database.read_bytes()
    broken = tmp_path / "偏关-改.yaml"
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("2023 年 10 月 20 日", "2023 年 10 月 40 日"), encoding="utf-8")
    result = duban(data, "import", str(broken))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(broken) in lines[0] and "rectification.items.12.deadline" in lines[0]
    assert "第 " in lines[0] and "不存在这一天" in lines[0]
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == before


def test_broken_ledger_names_the_row(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = tmp_path / "data"
    duban(data, "import", str(EXAMPLES / "pianguan.yaml"))
    ledger = tmp_path / "台账.xlsx"
    workbook = load_workbook(EXAMPLES / "pianguan-ledger.xlsx")
    workbook.worksheets[0]["F5"] = "抓紧"
    workbook.save(ledger)
    before = (data / "duban.db").read_bytes()
    result = duban(data, "import", "--project", "pianguan", str(ledger))
    assert result.returncode == 1
    assert "第 5 行（表格）" in result.stderr and "字段 整改时限" in result.stderr
    assert (data / "duban.db").read_bytes() == before


def test_status_and_evaluate_take_an_as_of_date(tmp_path: Path) -> None:
    data = tmp_path / "data"
    duban(data, "import", str(EXAMPLES / "pianguan.yaml"))
    status = duban(data, "status", "--as-of", "2023-10-12")
    assert status.returncode == 0, status.stderr
    assert "偏关县乡村e镇建设项目" in status.stdout
    evaluated = duban(data, "evaluate", "--as-of", "2023-10-16", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    import json

    findings = json.loads(evaluated.stdout)
    assert sum(f["kind"] == "overdue" for f in findings) == 14


def test_help_explains_every_verb(tmp_path: Path) -> None:
    result = duban(tmp_path / "data", "--help")
    for verb in (
        "init",
        "import",
        "collect",
        "evaluate",
        "notify",
        "refresh",
        "status",
        "record",
        "close-item",
        "demo",
        "run",
    ):
        assert f"  {verb} " in result.stdout


def test_a_mistyped_project_code_is_an_error_not_an_empty_result(tmp_path: Path) -> None:
    """Every command that takes --project says the code names no project, and fails, instead of
    reporting "nothing to remind", "no alerts" or "0 sources collected" for it."""
    data = tmp_path / "data"
    assert duban(data, "import", str(EXAMPLES / "pianguan.yaml")).returncode == 0
    commands = [
        ["evaluate", "--as-of", "2023-10-16"],
        ["notify", "--dry-run", "--as-of", "2023-10-16"],
        ["notify", "--as-of", "2023-10-16"],
        ["refresh", "--no-collect", "--as-of", "2023-10-16"],
        ["collect"],
        ["status", "--as-of", "2023-10-16"],
        ["summary", "--as-of", "2023-10-16"],
        ["alerts"],
    ]
    for command in commands:
        result = duban(data, *command, "--project", "pianguna")
        assert result.returncode == 1, (command, result.stdout)
        assert "没有项目 pianguna" in result.stderr + result.stdout, command
        assert "Traceback" not in result.stderr
    named = duban(data, "evaluate", "--as-of", "2023-10-16", "--project", "pianguan")
    assert named.returncode == 0 and "pianguan" in named.stdout, named.stderr
