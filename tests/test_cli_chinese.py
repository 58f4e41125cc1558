"""The command line speaks Chinese: every help page, click's own errors, dates and log lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.exits import ExitCode
from bot.cli.logs import OfficeFormatter

# click's English, as it would appear in a help page or an error if a word escaped the catalog.
ENGLISH = (
    "Usage",
    "Options",
    "Commands",
    "Show this message",
    "[default",
    "%Y",
    "[OPTIONS]",
    "COMMAND",
    "TEXT",
    "INTEGER",
    "FLOAT",
    "PATH",
    "FILE",
    "required]",
    "Error",
)


def every_command(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def run(tmp_path: Path, *args: str) -> click.testing.Result:
    env = {"DUBAN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    return CliRunner().invoke(main, list(args), env=env, prog_name="duban")


def test_the_walk_reaches_every_registered_verb() -> None:
    names = {" ".join(path) for path in every_command(main)}
    assert {"status", "alerts", "evaluate", "demo", "user", "user add", "notify-test"} <= names


@pytest.mark.parametrize("path", [(), *every_command(main)], ids=lambda p: " ".join(p) or "duban")
def test_every_help_page_is_chinese(tmp_path: Path, path: tuple[str, ...]) -> None:
    result = run(tmp_path, *path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"用法：duban {' '.join(path)}".rstrip() + " ")
    assert "选项：" in result.output and "显示本帮助并退出。" in result.output
    leaked = [word for word in ENGLISH if word in result.output]
    assert not leaked, f"{leaked} in:\n{result.output}"


def test_main_help_lists_the_exit_codes(tmp_path: Path) -> None:
    output = run(tmp_path, "--help").output
    assert "退出码：" in output
    for code in ExitCode:
        assert f"  {code.value}  " in output


def test_dates_are_written_yyyy_mm_dd_in_help(tmp_path: Path) -> None:
    output = run(tmp_path, "status", "--help").output
    assert "--as-of 日期" in output and "日期格式 YYYY-MM-DD" in output
    assert "[默认：2023-10-12]" in run(tmp_path, "demo", "--help").output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["status", "--nope"], "没有选项 --nope"),
        (["status", "--as-of", "2023-02-30"], "“2023-02-30”不是有效的日期，请写成 YYYY-MM-DD"),
        (["silence", "1", "--until", "10/20", "--reason", "x"], "“10/20”不是有效的日期"),
        (["import"], "缺少参数"),
        (["summary", "--period", "year"], "“year”不是可选的值"),
        (["import", "--year", "今年", "x.yaml"], "“今年”不是有效的整数"),
        (["silence", "1", "--days", "0", "--reason", "x"], "不在允许的范围"),
        (["no-such-verb"], "没有命令 no-such-verb"),
    ],
)
def test_usage_errors_are_chinese_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    result = run(tmp_path, *args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert words in result.output
    assert "错误：" in result.output and "用法：duban" in result.output
    assert "Error" not in result.output and "Usage" not in result.output


def test_help_columns_line_up_in_terminal_cells(tmp_path: Path) -> None:
    """Chinese characters take two columns: the help text starts in one column for every option."""
    from bot.cli.zh import cells

    page = run(tmp_path, "import", "--help").output
    lines = [line for line in page.splitlines() if line.startswith("  --")]
    starts = {cells(line) - cells(line[line.index("  ", 2) :].lstrip()) for line in lines}
    assert len(starts) == 1, lines
    assert all(cells(line) <= 80 for line in run(tmp_path, "--help").output.splitlines())


def test_log_lines_read_in_beijing_time_with_chinese_levels() -> None:
    record = logging.LogRecord("jobs.collect", logging.WARNING, __file__, 1, "采集失败：%s", ("超时",), None)
    record.created = 1697072400.0  # 2023-10-12 01:00:00 UTC
    line = OfficeFormatter().format(record)
    assert line == "2023-10-12 09:00:00 北京时间 警告 jobs.collect: 采集失败：超时"
    assert record.levelname == "WARNING"  # other handlers see the record unchanged
