"""Chinese working days: the State Council's holidays and make-up working days (调休).

The official calendar comes from the ``chinesecalendar`` package. For a year it does not know yet,
Monday to Friday is assumed (with one warning per year), and an override file can add holidays
and make-up days as they are announced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
log = logging.getLogger(__name__)


class WorkCalendar:
    """Answers "is this a working day?" and counts working days between dates."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self._holidays = frozenset(holidays)
        self._workdays = frozenset(workdays)
        self._warned: set[int] = set()

    def is_workday(self, day: date) -> bool:
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "法定节假日表尚无 %s 年的数据，暂按周一至周五计算工作日；可用节假日覆盖文件补充", day.year
                )
            return day.weekday() < 5

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_workday(start + timedelta(days=offset))
        )

    def next_workday(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day
