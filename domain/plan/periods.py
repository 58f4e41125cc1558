"""Plan format 2 blocks that give an indicator its own time: a window and a recurrence.

* ``window: {start, end}`` — the years or days a target is reckoned over, independent of the
  project's dates (沁县: "2022至2024年" beside "到2025年", facilities due by 2023-06). A year
  (``2022``) means its whole year, a month (``2023-06``) its whole month, a day itself.
* ``recurs: {every, grace_days}`` — a deliverable due again each period (每月报送一次工作进展,
  季度督查, 半年通报): each period's is due ``grace_days`` after the period ends, reminded like a
  deadline and closed when a figure is recorded for a month of that period.

Kept apart from :mod:`domain.plan.schema` so that the fields read as one feature.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from domain.enums import Recurrence
from domain.plan.dates import parse_office_date

_YEAR = re.compile(r"^(\d{4})年?$")
_MONTH = re.compile(r"^(\d{4})(?:-|年)(\d{1,2})月?$")
_RECURRENCE_WORDS = {
    "每月": "monthly",
    "月度": "monthly",
    "每季度": "quarterly",
    "季度": "quarterly",
    "每半年": "half_yearly",
    "半年": "half_yearly",
    "每年": "yearly",
    "年度": "yearly",
}


def _bound(value: Any, *, last: bool) -> date:
    """A window's bound: a year or a month stands for its first (``last``: its last) day."""
    if isinstance(value, bool):
        raise ValueError("应为年份或日期，不能是真假值")
    text = str(value).strip() if isinstance(value, int | str) else None
    if text is not None and (found := _YEAR.match(text)):
        year = int(found.group(1))
        return date(year, 12, 31) if last else date(year, 1, 1)
    if text is not None and (found := _MONTH.match(text)):
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"月份 {month} 不存在")
        return date(year, month, monthrange(year, month)[1] if last else 1)
    return parse_office_date(value)


class WindowSpec(BaseModel):
    """The period a target is reckoned over: its pace, its end, the years of an average."""

    model_config = ConfigDict(extra="forbid")

    start: Annotated[date, BeforeValidator(lambda v: _bound(v, last=False))]
    end: Annotated[date, BeforeValidator(lambda v: _bound(v, last=True))]

    @model_validator(mode="after")
    def _in_order(self) -> WindowSpec:
        if self.end < self.start:
            raise ValueError(f"window 的 end（{self.end}）早于 start（{self.start}）")
        return self


class RecursSpec(BaseModel):
    """A deliverable due once per period, ``grace_days`` after each period ends."""

    model_config = ConfigDict(extra="forbid")

    every: Annotated[
        Recurrence,
        BeforeValidator(lambda v: _RECURRENCE_WORDS.get(v.strip(), v) if isinstance(v, str) else v),
    ]
    grace_days: int = Field(default=0, ge=0, le=92)
