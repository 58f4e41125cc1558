"""Chinese working days: the State Council's holidays and make-up working days (调休).

The official calendar comes from the ``chinesecalendar`` package. For a year it does not know yet,
Monday to Friday is assumed (with one warning per year), and an override file can add holidays
and make-up days as they are announced (read by :mod:`bot.calendar_file`)::

    # calendar.yaml — 2027年放假安排（国务院办公厅通知发布后填写）
    holidays: [2027-01-01, 2027-02-05, 2027-02-06]
    workdays: [2027-02-14]   # 调休上班的周末

Counting is done on per-year running totals, so "working days between" costs the same for a
deadline next week and one three years ago — a national run counts tens of thousands of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
OFFICE_HOUR = time(9, 0)


def office_morning(day: date) -> datetime:
    """9:00 in Beijing on ``day``: the moment a plan is judged at when a run replays that day."""
    return datetime.combine(day, OFFICE_HOUR, tzinfo=OFFICE_TZ)


log = logging.getLogger(__name__)


class WorkCalendar:
    """Answers "is this a working day?" and counts working days between dates."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self._holidays = frozenset(holidays)
        self._workdays = frozenset(workdays)
        self._warned: set[int] = set()
        self._known: dict[date, bool] = {}
        # year → (ordinal of 1 January, working days up to each day of the year)
        self._running: dict[int, tuple[int, list[int]]] = {}

    @property
    def overrides(self) -> tuple[frozenset[date], frozenset[date]]:
        """The holidays and make-up working days this calendar adds to the statutory table."""
        return self._holidays, self._workdays

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:  # chinese_calendar checks its argument at length on every call
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
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

    def _upto(self, day: date) -> int:
        """Working days from 1 January of ``day``'s year up to and including ``day``."""
        year = self._running.get(day.year)
        if year is None:
            first, total, running = date(day.year, 1, 1), 0, []
            for offset in range((date(day.year, 12, 31) - first).days + 1):
                total += self.is_workday(first + timedelta(days=offset))
                running.append(total)
            year = self._running[day.year] = (first.toordinal(), running)
        return year[1][day.toordinal() - year[0]]

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.workdays_between(end, start)
        count = self._upto(end) - self._upto(start)
        for year in range(start.year, end.year):
            count += self._upto(date(year, 12, 31))
        return count

    def next_workday(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day
