"""When the service's jobs run: pure rules over dates and the Chinese working-day calendar.

Nothing here reads the clock or the database. The service asks two questions, both with ``now``
passed in: "when does this job fire next?" (to print the schedule and to drive APScheduler) and
"which one slot should run now to catch up?" (after a restart, a sleep, or a busy lock). A slot
is the scheduled time a run stands for; the run table records it, so a slot runs once.

Catch-up rule: the latest slot at or before ``now`` (no older than ``catch_up_within``) runs
if no run for it or a later slot has finished. A machine that was off for a week runs the job
once when it comes back, not once per missed day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger

from domain.workdays import OFFICE_TZ, WorkCalendar

DayRule = Callable[[date, WorkCalendar], bool]
HORIZON_DAYS = 400  # how far ahead to look for the next firing before giving up


def every_workday(day: date, calendar: WorkCalendar) -> bool:
    return calendar.is_workday(day)


def mofcom_window(last_day: int = 10) -> DayRule:
    """Working days on day 1..``last_day`` of a month (the MOFCOM system is open for monthly
    reports), and once more on the first working day after the window, to pick up late figures."""

    def rule(day: date, calendar: WorkCalendar) -> bool:
        if not calendar.is_workday(day):
            return False
        if day.day <= last_day:
            return True
        return not any(calendar.is_workday(day.replace(day=d)) for d in range(last_day + 1, day.day))

    return rule


def first_workday_of_week(day: date, calendar: WorkCalendar) -> bool:
    """The week's first working day (Monday, or later after a holiday; a 调休 Saturday counts)."""
    monday = day - timedelta(days=day.weekday())
    return calendar.is_workday(day) and not any(
        calendar.is_workday(monday + timedelta(days=d)) for d in range(day.weekday())
    )


def first_workday_of_month(day: date, calendar: WorkCalendar) -> bool:
    return calendar.is_workday(day) and not any(
        calendar.is_workday(day.replace(day=d)) for d in range(1, day.day)
    )


class When(Protocol):
    """A job's timing: every firing strictly after ``start``, in order, in Beijing time."""

    def fires_after(self, start: datetime, calendar: WorkCalendar) -> Iterator[datetime]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class DailyAt:
    """At a fixed Beijing time on the days a rule picks."""

    at: time
    rule: DayRule
    text: str

    def fires_after(self, start: datetime, calendar: WorkCalendar) -> Iterator[datetime]:
        first = start.astimezone(OFFICE_TZ).date()
        for offset in range(HORIZON_DAYS):
            day = first + timedelta(days=offset)
            fire = datetime.combine(day, self.at, tzinfo=OFFICE_TZ)
            if fire > start and self.rule(day, calendar):
                yield fire

    def describe(self) -> str:
        return f"{self.text} {self.at:%H:%M}"


@dataclass(frozen=True)
class Crontab:
    """A standard five-field crontab line in Beijing time, firing on working days only.

    Write weekdays as names (mon-fri): APScheduler 3 numbers them from Monday, cron from Sunday.
    """

    expr: str

    def fires_after(self, start: datetime, calendar: WorkCalendar) -> Iterator[datetime]:
        trigger = CronTrigger.from_crontab(self.expr, timezone=OFFICE_TZ)
        previous: datetime | None = None
        cursor = start.astimezone(OFFICE_TZ) + timedelta(microseconds=1)
        limit = start + timedelta(days=HORIZON_DAYS)
        while (fire := trigger.get_next_fire_time(previous, cursor)) is not None and fire < limit:
            previous = cursor = fire
            if fire > start and calendar.is_workday(fire.date()):
                yield fire

    def describe(self) -> str:
        return f"crontab「{self.expr}」（仅工作日）"


@dataclass(frozen=True)
class JobSpec:
    id: str
    label: str  # what it does, in the words the log and `duban schedule` show
    when: When
    catch_up_within: timedelta = timedelta(days=7)


def next_fires(spec: JobSpec, after: datetime, calendar: WorkCalendar, count: int = 1) -> list[datetime]:
    return list(islice(spec.when.fires_after(after, calendar), count))


def latest_fire(spec: JobSpec, now: datetime, calendar: WorkCalendar) -> datetime | None:
    """The last slot at or before ``now`` within the catch-up window, if any."""
    latest = None
    for fire in spec.when.fires_after(now - spec.catch_up_within, calendar):
        if fire > now:
            break
        latest = fire
    return latest


def catch_up_slot(
    spec: JobSpec, now: datetime, calendar: WorkCalendar, last_handled: datetime | None
) -> datetime | None:
    """The one slot to run now, or None if every due slot was already run (or is too old)."""
    slot = latest_fire(spec, now, calendar)
    if slot is None or (last_handled is not None and last_handled >= slot):
        return None
    return slot


def slot_key(slot: datetime) -> str:
    """How a slot is written in the run table: Beijing time to the minute, e.g. 2023-10-08T09:00+08:00."""
    return slot.astimezone(OFFICE_TZ).isoformat(timespec="minutes")


def parse_slot(key: str) -> datetime:
    return datetime.fromisoformat(key)


@dataclass(frozen=True)
class ScheduleConfig:
    """The service's timetable; the application's settings say what it is (``DUBAN_DAILY_AT`` …)."""

    collect_at: time  # on MOFCOM-window working days, unless ``collect_cron`` is set
    collect_cron: str | None  # replaces the MOFCOM-window rule when set
    mofcom_last_day: int
    daily_at: time
    summary_at: time
    outbox_minutes: int
    catch_up_days: int


def check_crontab(expr: str) -> str:
    """``expr`` if it is a five-field crontab line; a ValueError if not."""
    CronTrigger.from_crontab(expr, timezone=OFFICE_TZ)
    return expr


def job_specs(config: ScheduleConfig) -> list[JobSpec]:
    """The scheduled jobs, in the order they are listed (the outbox sender runs apart, every few minutes)."""
    within = timedelta(days=config.catch_up_days)
    collect: When = (
        Crontab(config.collect_cron)
        if config.collect_cron
        else DailyAt(
            config.collect_at,
            mofcom_window(config.mofcom_last_day),
            f"每月1—{config.mofcom_last_day}日的工作日及其后第一个工作日",
        )
    )
    return [
        JobSpec("collect-monthly", "采集月度数据", collect, within),
        JobSpec("daily", "每日评估并发送提醒", DailyAt(config.daily_at, every_workday, "每个工作日"), within),
        JobSpec(
            "summary-weekly",
            "领导小组周报",
            DailyAt(config.summary_at, first_workday_of_week, "每周第一个工作日"),
            within,
        ),
        JobSpec(
            "summary-monthly",
            "领导小组月报",
            DailyAt(config.summary_at, first_workday_of_month, "每月第一个工作日"),
            timedelta(days=max(config.catch_up_days, 31)),
        ),
    ]
