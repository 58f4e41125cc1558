"""Typed settings, read once from the environment (and ``.env``) by the CLI.

Every ``DUBAN_*`` variable and its default is declared here, as the field of the same name
(``DUBAN_DAILY_AT`` is :attr:`Settings.daily_at`); the rest of duban is handed the values, and
the core never reads the environment. A bad value is refused at start-up, naming its variable.

Secrets are not settings: they are read from the environment at the moment of use, so they are
never held, printed or passed around. Channels and sources name theirs (``${DUBAN_WECOM_KEY_…}``,
resolved by :func:`domain.secrets.resolve`); three more have fixed names — ``DUBAN_WECOM_SECRET``
and ``DUBAN_SMTP_PASSWORD`` (:mod:`notifiers.factory`) and ``DUBAN_WEB_SECRET``
(:mod:`bot.web.config`). ``.env.example`` lists all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import ConfigurationError

if TYPE_CHECKING:
    from domain.schedule import ScheduleConfig

DEFAULT_DATA_DIR = Path("data")
ENV_PREFIX = "DUBAN_"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    http_timeout: float = Field(default=15.0, gt=0)
    host_concurrency: int = Field(default=4, ge=1)  # requests at a time to one backend host
    reminder_workdays: tuple[int, ...] = (5, 3, 1, 0)
    repeat_days: int = Field(default=7, ge=1)  # an unchanged open alert is repeated this often
    calendar_file: Path | None = None  # holidays / make-up days the calendar package lacks (YAML)
    log_level: str = "INFO"
    max_file_mb: float = Field(default=20, gt=0)  # plan files, ledgers and inbox files larger are refused
    # Plans may refer to these (as to any variable named like a secret: …KEY…, …PASSWORD…) only
    # from secret fields (password, token, webhook_key …), never from a URL or a text.
    secret_variables: tuple[str, ...] = ()
    # Delivery (docs/delivery.md). "console" shows messages and writes them to the outbox folder
    # (the demo, tests, a new setup); "live" sends to WeCom and email.
    delivery: Literal["console", "live"] = "console"
    wecom_api_base: str = "https://qyapi.weixin.qq.com"  # a private deployment or a test server
    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=465, gt=0, lt=65536)
    smtp_security: Literal["ssl", "starttls", "none"] = "ssl"
    smtp_user: str | None = None
    smtp_from: str | None = None
    smtp_from_name: str = "督办提醒"
    smtp_ca_file: str | None = None
    admin_channel: str | None = None  # channel code that receives administrator alerts
    admin_email: str | None = None  # or these addresses (comma separated)
    # The service's timetable (duban run, duban schedule), Beijing time.
    collect_at: time = time(8, 30)  # before the daily evaluation, so its messages use fresh figures
    collect_cron: str | None = None  # replaces the MOFCOM-window rule when set
    mofcom_last_day: int = Field(default=10, ge=1, le=31)
    daily_at: time = time(9, 0)
    summary_at: time = time(9, 30)
    outbox_minutes: int = Field(default=5, ge=1)
    catch_up_days: int = Field(default=7, ge=1)
    # Several instances on one PostgreSQL (docs/service.md): how often a standby asks whether it
    # should take over (and the leader checks its connection), how often each instance's sender
    # looks at the outbox (unset: every outbox_minutes), how long a message stays with the sender
    # working on it after its last part before another instance may carry on, and how long the
    # leader waits for a collection round shared by the instances before counting what is left
    # as failed (standbys look for collection work every leader_poll_seconds).
    leader_poll_seconds: float = Field(default=10, gt=0)
    outbox_poll_seconds: float | None = Field(default=None, gt=0)
    outbox_lease_seconds: float = Field(default=120, gt=0)
    collect_deadline_minutes: float = Field(default=60, gt=0)
    # The web page (duban web, duban run).
    web_secure_cookies: bool = False  # behind nginx with HTTPS: the cookie never goes over http
    web_session_hours: float = Field(default=12, gt=0)  # a login lasts at most this long
    web_idle_minutes: float = Field(default=60, gt=0)  # and ends after this long without a request
    web_login_attempts: int = Field(default=5, gt=0)  # failed logins per name or address before a wait
    web_login_window_minutes: float = Field(default=15, gt=0)  # ... counted over this window
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses);
    # none by default, so a client cannot pick the address the login limit counts.
    trusted_proxies: tuple[str, ...] = ()
    # The web page's address as people reach it (https://duban.example.gov.cn); messages then link
    # a shortened item to its project's page. Unset: messages carry no links.
    public_url: str | None = None
    # How long the reply link in a reminder to one person keeps working (docs/security.md), and
    # how many results may be submitted through one link in an hour.
    reply_link_days: float = Field(default=14, gt=0)
    reply_link_hourly: int = Field(default=10, gt=0)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'duban.db').resolve()}"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def schedule(self) -> ScheduleConfig:
        """The service's timetable, from the settings above."""
        from domain.schedule import ScheduleConfig  # the scheduler package: only for the service

        return ScheduleConfig(
            collect_at=self.collect_at,
            collect_cron=self.collect_cron,
            mofcom_last_day=self.mofcom_last_day,
            daily_at=self.daily_at,
            summary_at=self.summary_at,
            outbox_minutes=self.outbox_minutes,
            catch_up_days=self.catch_up_days,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from ``DUBAN_*`` variables; a bad value names its variable."""
        values: dict[str, object] = {}
        raws: dict[str, str] = {}
        for name in cls.model_fields:
            raw = environ.get(variable_of(name), "").strip()
            if not raw:
                continue
            raws[name] = raw
            parse = _PARSERS.get(name)
            try:
                values[name] = parse(raw) if parse else raw
            except ValueError:
                raise _bad(name, raw, "") from None
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = str(error["loc"][0]) if error["loc"] else ""
            raise _bad(name, raws.get(name, ""), str(error["msg"])) from None


def variable_of(name: str) -> str:
    """The environment variable of the setting ``name``: ``daily_at`` → ``DUBAN_DAILY_AT``."""
    return ENV_PREFIX + name.upper()


def _clock_time(raw: str) -> time:
    return time.fromisoformat(raw if len(raw) > 4 else "0" + raw)  # 9:30 as well as 09:30


def _positive_int(raw: str) -> int:
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(raw)
    return int(raw)


def _positive(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(raw)
    return value


def _crontab(raw: str) -> str:
    from domain.schedule import check_crontab  # the scheduler package: only when one is set

    return check_crontab(raw)


def _flag(raw: str) -> bool:
    return raw.lower() in {"1", "true", "yes"}


def _public_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or " " in url:
        raise ValueError(raw)
    return url


def _names(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _workdays(raw: str) -> tuple[int, ...]:
    return tuple(int(x) for x in raw.split(","))


# How a variable's text becomes its value, where that is more than pydantic's reading of it.
_PARSERS: dict[str, Callable[[str], object]] = {
    "reminder_workdays": _workdays,
    "collect_at": _clock_time,
    "daily_at": _clock_time,
    "summary_at": _clock_time,
    "collect_cron": _crontab,
    "mofcom_last_day": _positive_int,
    "outbox_minutes": _positive_int,
    "catch_up_days": _positive_int,
    "leader_poll_seconds": _positive,
    "outbox_poll_seconds": _positive,
    "outbox_lease_seconds": _positive,
    "collect_deadline_minutes": _positive,
    "web_secure_cookies": _flag,
    "web_session_hours": _positive,
    "web_idle_minutes": _positive,
    "web_login_attempts": _positive_int,
    "web_login_window_minutes": _positive,
    "secret_variables": _names,
    "trusted_proxies": _names,
    "public_url": _public_url,
}

# What a bad value should have looked like, in the words of .env.example.
_EXPECTED = {
    "reminder_workdays": "应为逗号分隔的工作日数，如 5,3,1,0",
    "collect_at": "应为 HH:MM（北京时间），如 09:00",
    "daily_at": "应为 HH:MM（北京时间），如 09:00",
    "summary_at": "应为 HH:MM（北京时间），如 09:00",
    "collect_cron": "应为五段 crontab，如 0 10 1-10 * *",
    "mofcom_last_day": "应为 1—31 的日期",
    "outbox_minutes": "应为正整数",
    "catch_up_days": "应为正整数",
    "leader_poll_seconds": "应为正数（秒）",
    "outbox_poll_seconds": "应为正数（秒）",
    "outbox_lease_seconds": "应为正数（秒）",
    "collect_deadline_minutes": "应为正数（分钟）",
    "web_session_hours": "应为正数",
    "web_idle_minutes": "应为正数",
    "web_login_attempts": "应为正整数",
    "web_login_window_minutes": "应为正数",
    "reply_link_days": "应为正数（天）",
    "reply_link_hourly": "应为正整数",
    "http_timeout": "应为正数（秒）",
    "host_concurrency": "应为正整数",
    "repeat_days": "应为正整数",
    "max_file_mb": "应为正数（MB）",
    "smtp_port": "应为 1—65535 的端口号",
    "delivery": "只能是 console 或 live",
    "smtp_security": "只能是 ssl、starttls 或 none",
    "public_url": "应为以 http:// 或 https:// 开头的网址，如 https://duban.example.gov.cn",
}


def _bad(name: str, raw: str, problem: str) -> ConfigurationError:
    expected = _EXPECTED.get(name, problem)
    return ConfigurationError(f"环境变量 {variable_of(name)}={raw!r} 格式不对：{expected}")
