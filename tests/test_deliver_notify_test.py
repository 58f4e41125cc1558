"""``duban notify-test CHANNEL``: a real message now, or a clear reason why not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import select

from bot.cli import main
from db.engine import make_engine, session_scope
from db.models import SendAttempt
from jobs.rate_window import reserve_attempt
from tests.fakes.smtp_server import smtp_server
from tests.fakes.wecom_server import FakeWeCom, running

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def fake() -> Iterator[FakeWeCom]:
    with running(FakeWeCom(robot_keys={"pianguan-robot-key"})) as server:
        yield server


def duban(tmp_path: Path, *args: str, **env: str) -> Result:
    environ = {"DUBAN_DATA_DIR": str(tmp_path / "data"), "DUBAN_HTTP_TIMEOUT": "1", **env}
    runner = CliRunner()
    return runner.invoke(main, ["--env-file", str(tmp_path / "none.env"), *args], env=environ)


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    result = duban(tmp_path, "import", str(EXAMPLES / "pianguan.yaml"))
    assert result.exit_code == 0, result.output
    return tmp_path


def test_a_working_robot_gets_the_test_message(imported: Path, fake: FakeWeCom) -> None:
    result = duban(
        imported,
        "notify-test",
        "pianguan-work",
        DUBAN_WECOM_API_BASE=fake.url,
        DUBAN_WECOM_KEY_PIANGUAN="pianguan-robot-key",
    )
    assert result.exit_code == 0, result.output
    assert "测试消息已发送到 偏关县乡村e镇工作群" in result.output
    assert "DUBAN_DELIVERY=console" in result.output  # reminds that real reminders are not sent yet
    (sent,) = fake.robot_messages("pianguan-robot-key")
    assert "督办系统测试消息" in sent["markdown"]["content"]


def test_an_invalid_key_says_what_is_wrong_and_hides_the_key(imported: Path, fake: FakeWeCom) -> None:
    result = duban(
        imported,
        "notify-test",
        "pianguan-work",
        DUBAN_WECOM_API_BASE=fake.url,
        DUBAN_WECOM_KEY_PIANGUAN="stale-key-0042",
    )
    assert result.exit_code == 1
    assert "93000" in result.output and "重新添加机器人" in result.output
    assert "stale-key-0042" not in result.output


def test_a_missing_variable_is_named(imported: Path, fake: FakeWeCom) -> None:
    result = duban(imported, "notify-test", "pianguan-work", DUBAN_WECOM_API_BASE=fake.url)
    assert result.exit_code == 1
    assert "DUBAN_WECOM_KEY_PIANGUAN" in result.output and ".env" in result.output


def test_an_unreachable_server_is_retryable(imported: Path) -> None:
    result = duban(
        imported,
        "notify-test",
        "pianguan-work",
        DUBAN_WECOM_API_BASE="http://127.0.0.1:9",
        DUBAN_WECOM_KEY_PIANGUAN="k",
    )
    assert result.exit_code == 1
    assert "连不上企业微信接口" in result.output and "自动重试" in result.output


def test_email_channel(imported: Path) -> None:
    with smtp_server(imported) as box:
        result = duban(
            imported,
            "notify-test",
            "pianguan-leaders",
            DUBAN_SMTP_HOST="127.0.0.1",
            DUBAN_SMTP_PORT=str(box.port),
            DUBAN_SMTP_SECURITY="none",
            DUBAN_SMTP_FROM="duban@example.com",
        )
    assert result.exit_code == 0, result.output
    (mail,) = box.received
    assert mail["Subject"] == "【督办系统】测试消息"
    assert mail["To"].addresses[0].display_name == "张主任"


def test_an_unknown_channel(imported: Path) -> None:
    result = duban(imported, "notify-test", "no-such-channel")
    assert result.exit_code == 1 and "找不到频道 no-such-channel" in result.output


def _send_attempts(data: Path) -> list[SendAttempt]:
    engine = make_engine(f"sqlite:///{data / 'data' / 'duban.db'}")
    try:
        with session_scope(engine) as session:
            return list(session.exec(select(SendAttempt)).all())
    finally:
        engine.dispose()


def _test(imported: Path, fake: FakeWeCom) -> Result:
    return duban(
        imported,
        "notify-test",
        "pianguan-work",
        DUBAN_WECOM_API_BASE=fake.url,
        DUBAN_WECOM_KEY_PIANGUAN="pianguan-robot-key",
    )


def test_test_messages_keep_the_robots_window_and_are_counted(imported: Path, fake: FakeWeCom) -> None:
    """Before, notify-test sent past the 20-a-minute limit and the sender never knew of its sends."""
    for _ in range(20):
        assert _test(imported, fake).exit_code == 0
    refused = _test(imported, fake)
    assert refused.exit_code == 1
    assert "每分钟最多发 20 条消息" in refused.output and "秒后再试" in refused.output
    assert fake.requests == 20 and fake.rate_violations == 0
    attempts = _send_attempts(imported)
    assert len(attempts) == 20 and len({a.rate_key for a in attempts}) == 1
    assert "pianguan-robot-key" not in attempts[0].rate_key  # a hash, never the key


def test_the_senders_requests_count_for_the_test_message(imported: Path, fake: FakeWeCom) -> None:
    assert _test(imported, fake).exit_code == 0
    (first,) = _send_attempts(imported)
    engine = make_engine(f"sqlite:///{imported / 'data' / 'duban.db'}")
    now = datetime.now(UTC)
    waits = [
        reserve_attempt(engine, rate_key=first.rate_key, per_minute=20, clock=lambda: now) for _ in range(20)
    ]
    engine.dispose()
    assert waits[:19] == [0.0] * 19 and waits[19] > 0  # the sender's window counted the test
    refused = _test(imported, fake)
    assert refused.exit_code == 1 and "已经发满" in refused.output
    assert fake.requests == 1
