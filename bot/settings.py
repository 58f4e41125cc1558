"""Typed settings, read once from the environment (and ``.env``) by the CLI.

Every default lives here. Secrets are not settings: channels and sources name environment
variables (``${DUBAN_WECOM_KEY_PIANGUAN}``), read by :mod:`bot.secrets` at the moment of use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigurationError

DEFAULT_DATA_DIR = Path("data")
ENV_PREFIX = "DUBAN_"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    http_timeout: float = Field(default=15.0, gt=0)
    reminder_workdays: tuple[int, ...] = (5, 3, 1, 0)
    repeat_days: int = Field(default=7, ge=1)  # an unchanged open alert is repeated this often
    calendar_file: Path | None = None  # holidays / make-up days the calendar package lacks (YAML)
    log_level: str = "INFO"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'duban.db').resolve()}"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

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
