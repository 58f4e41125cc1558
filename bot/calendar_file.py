"""The holiday override file (``DUBAN_CALENDAR_FILE``): holidays and make-up days the package lacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from domain.errors import ConfigurationError
from domain.workdays import WorkCalendar


def load_calendar(path: Path) -> WorkCalendar:
    """A calendar with the holidays and make-up working days listed in a YAML override file."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"节假日覆盖文件 {path} 无法读取：{exc}") from None
    if not isinstance(data, dict) or set(data) - {"holidays", "workdays"}:
        raise ConfigurationError(f"节假日覆盖文件 {path} 只能包含 holidays 和 workdays 两个列表")
    days: dict[str, list[date]] = {}
    for name in ("holidays", "workdays"):
        values = data.get(name) or []
        bad = [v for v in values if not isinstance(v, date)]
        if bad:
            raise ConfigurationError(f"节假日覆盖文件 {path} 的 {name} 中“{bad[0]}”不是 YYYY-MM-DD 日期")
        days[name] = values
    both = set(days["holidays"]) & set(days["workdays"])
    if both:
        raise ConfigurationError(f"节假日覆盖文件 {path} 中 {min(both)} 既是假日又是工作日")
    return WorkCalendar(days["holidays"], days["workdays"])
