"""``duban schedule`` and ``duban user add`` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import main
from bot.web.users import authenticate
from db.engine import make_engine, session_scope
from db.models import UserRole, WebUser
from tests.test_cli import duban


def test_schedule_shows_the_next_runs_around_national_day(tmp_path: Path) -> None:
    result = duban(tmp_path / "data", "schedule", "--as-of", "2023-09-29", "--count", "2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2023-10-07 09:00 星期六" in out and "2023-10-08 09:00 星期日" in out  # the 调休 weekend
    assert "领导小组月报" in out and "每 5 分钟" in out


def test_user_add_hashes_the_password_and_refuses_a_short_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env.update(COLUMNS="200", DUBAN_DATA_DIR=str(data))

    def add(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "user", "add", *args, "--password-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    short = add("li", password="1234")
    assert short.returncode == 1 and "密码太短：至少 8 个字符" in short.stderr
    added = add("li", "--name", "李县长", "--role", "province", password="leader pass phrase")
    assert added.returncode == 0 and "已添加网页用户 li（全省只读）" in added.stdout
    again = add("li", password="another long one")
    assert again.returncode == 0 and "已更新网页用户 li" in again.stdout
    engine = make_engine(f"sqlite:///{data / 'duban.db'}")
    with session_scope(engine) as session:
        user = session.exec(select(WebUser)).one()
    assert user.display_name == "李县长" and user.role is UserRole.PROVINCE  # kept when not given again
    assert user.password_hash.startswith("$argon2id$") and "another" not in user.password_hash
    assert authenticate(engine, "li", "another long one") is not None
    assert authenticate(engine, "li", "leader pass phrase") is None


@pytest.mark.parametrize("as_of", [None, "2023-09-28"])
def test_schedule_as_of_today_counts_from_the_real_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_of: str | None
) -> None:
    """At 12:00 on Thursday 2023-09-28 the day's 09:00 run is past, with or without --as-of that
    day (before, --as-of pretended it was midnight and listed it as next)."""
    import bot.clock

    monkeypatch.setattr(bot.clock, "wall_clock", lambda: datetime(2023, 9, 28, 4, 0, tzinfo=UTC))
    args = ["--data-dir", str(tmp_path / "data"), "schedule", "--count", "1"]
    answer = CliRunner().invoke(main, [*args, "--as-of", as_of] if as_of else args, env={"COLUMNS": "200"})
    assert answer.exit_code == 0, answer.output
    assert "从现在 2023-09-28 12:00 起" in answer.output
    assert "2023-09-28 09:00" not in answer.output
    assert "2023-10-07 09:00 星期六" in answer.output  # the next working day's run, after National Day


def test_schedule_as_of_another_day_is_a_preview_that_says_the_real_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.clock

    monkeypatch.setattr(bot.clock, "wall_clock", lambda: datetime(2023, 9, 28, 4, 0, tzinfo=UTC))
    answer = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "schedule", "--as-of", "2023-09-27", "--count", "1"],
        env={"COLUMNS": "200"},
    )
    assert answer.exit_code == 0, answer.output
    assert "2023-09-27 起的安排预览；现在是 2023-09-28 12:00" in answer.output
    assert "2023-09-27 09:00 星期三" in answer.output
