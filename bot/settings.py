"""Typed settings, read once from the environment (and ``.env``) by the CLI.

Every default lives here. Secrets are not settings: channels and sources name environment
variables (``${DUBAN_WECOM_KEY_PIANGUAN}``), read by :mod:`bot.secrets` at the moment of use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import ConfigurationError

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

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from ``DUBAN_*`` variables; a bad value names its variable."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                continue
            values[name] = tuple(int(x) for x in raw.split(",")) if name == "reminder_workdays" else raw
        try:
            return cls.model_validate(values)
        except (ValidationError, ValueError) as exc:
            raise ConfigurationError(f"环境变量设置有误：{exc}") from None
