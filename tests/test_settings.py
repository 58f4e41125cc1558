"""Every ``DUBAN_*`` variable is a field of :class:`bot.settings.Settings`, listed in .env.example,
refused at start-up with its name when its value is bad — and the core never reads the environment."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from bot.settings import Settings, variable_of
from domain.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
# Secrets are read where they are used, never held in the settings (see bot/settings.py).
SECRETS = {"DUBAN_WECOM_SECRET", "DUBAN_SMTP_PASSWORD", "DUBAN_WEB_SECRET"}


def _example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?(DUBAN_[A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_in_env_example() -> None:
    missing = {variable_of(name) for name in Settings.model_fields} - _example_variables()
    assert not missing


def test_every_variable_in_env_example_is_a_setting_a_secret_or_a_plan_reference() -> None:
    settings = {variable_of(name) for name in Settings.model_fields}
    plan_references = {v for v in _example_variables() if v.startswith(("DUBAN_WECOM_KEY_", "DUBAN_DEMO_"))}
    assert _example_variables() - settings - SECRETS - plan_references == set()


def test_values_reach_their_settings() -> None:
    settings = Settings.from_env(
        {
            "DUBAN_DAILY_AT": "8:15",
            "DUBAN_REMINDER_WORKDAYS": "3,1",
            "DUBAN_WEB_SECURE_COOKIES": "yes",
            "DUBAN_WEB_LOGIN_ATTEMPTS": "3",
            "DUBAN_HTTP_TIMEOUT": " 5 ",
            "DUBAN_PUBLIC_URL": "https://duban.example.gov.cn/",
        }
    )
    assert settings.public_url == "https://duban.example.gov.cn"
    assert settings.daily_at == time(8, 15) and settings.schedule().daily_at == time(8, 15)
    assert settings.reminder_workdays == (3, 1) and settings.web_secure_cookies is True
    assert (settings.web_login_attempts, settings.http_timeout) == (3, 5.0)
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DUBAN_HTTP_TIMEOUT", "abc", "应为正数（秒）"),
        ("DUBAN_DELIVERY", "mail", "只能是 console 或 live"),
        ("DUBAN_REMINDER_WORKDAYS", "5,三", "应为逗号分隔的工作日数"),
        ("DUBAN_CATCH_UP_DAYS", "-1", "应为正整数"),
        ("DUBAN_WEB_LOGIN_WINDOW_MINUTES", "0", "应为正数"),
        ("DUBAN_PUBLIC_URL", "duban.example.gov.cn", "应为以 http:// 或 https:// 开头的网址"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({variable: value})
    assert f"环境变量 {variable}={value!r} 格式不对：{expected}" in str(raised.value)


def test_the_core_reads_no_environment() -> None:
    for path in (ROOT / "domain").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, path
