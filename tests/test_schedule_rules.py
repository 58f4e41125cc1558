"""Which days and times each job runs, and which one slot a restart catches up: table-driven.

Dates around the 2023 National Day holiday (9-29 … 10-06 off, Saturday 10-07 and Sunday 10-08
make-up working days, 调休) and the 2024 Spring Festival (Sunday 2-04 and 2-18 worked).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.settings import Settings
from domain.errors import ConfigurationError
from domain.schedule import (
    Crontab,
    JobSpec,
    catch_up_slot,
    job_specs,
    next_fires,
    parse_slot,
    slot_key,
)
from domain.workdays import OFFICE_TZ, WorkCalendar

CALENDAR = WorkCalendar()
SPECS = {spec.id: spec for spec in job_specs(Settings().schedule())}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OFFICE_TZ)


def fires(spec: JobSpec, start: str, count: int) -> list[str]:
    return [f"{f:%m-%d %H:%M}" for f in next_fires(spec, at(start), CALENDAR, count)]


@pytest.mark.parametrize(
    ("job", "start", "expected"),
    [
        # National Day: nothing from 9-29 to 10-06, then the 调休 weekend runs like any working day.
        ("daily", "2023-09-28 12:00", ["10-07 09:00", "10-08 09:00", "10-09 09:00", "10-10 09:00"]),
        ("daily", "2023-09-28 08:59", ["09-28 09:00", "10-07 09:00", "10-08 09:00", "10-09 09:00"]),
        # Spring Festival 2024: Sunday 2-04 is worked, 2-10 … 2-17 off, Sunday 2-18 worked.
        ("daily", "2024-02-02 10:00", ["02-04 09:00", "02-05 09:00", "02-06 09:00", "02-07 09:00"]),
        ("daily", "2024-02-08 10:00", ["02-09 09:00", "02-18 09:00", "02-19 09:00"]),
        # Collection: working days 1-10 of the month, then the first working day after the window.
        (
            "collect-monthly",
            "2023-09-28 12:00",
            ["10-07 08:30", "10-08 08:30", "10-09 08:30", "10-10 08:30", "10-11 08:30", "11-01 08:30"],
        ),
        ("collect-monthly", "2023-11-09 12:00", ["11-10 08:30", "11-13 08:30", "12-01 08:30"]),
        # Weekly summary: the week's first working day; in the National Day week that is Saturday.
        ("summary-weekly", "2023-09-28 12:00", ["10-07 09:30", "10-09 09:30", "10-16 09:30"]),
        # Monthly summary: the month's first working day (10-07 after the holiday; 2024-01-02 after New Year).
        ("summary-monthly", "2023-09-28 12:00", ["10-07 09:30", "11-01 09:30", "12-01 09:30", "01-02 09:30"]),
    ],
)
def test_when_each_job_runs(job: str, start: str, expected: list[str]) -> None:
    assert fires(SPECS[job], start, len(expected)) == expected


def test_a_crontab_replaces_the_window_and_still_skips_holidays() -> None:
    spec = JobSpec("collect-monthly", "采集", Crontab("0 10 1-10 * *"))
    assert fires(spec, "2023-09-28 12:00", 5) == [
        "10-07 10:00",
        "10-08 10:00",
        "10-09 10:00",
        "10-10 10:00",
        "11-01 10:00",
    ]


@pytest.mark.parametrize(
    ("job", "now", "last_handled", "expected"),
    [
        # Off from Thursday 9-28 evening to Monday 10-09 08:00: one run, for the latest missed slot.
        ("daily", "2023-10-09 08:00", "2023-09-28 09:00", "2023-10-08 09:00"),
        ("collect-monthly", "2023-10-09 08:00", None, "2023-10-08 08:30"),
        ("summary-weekly", "2023-10-09 08:00", "2023-09-25 09:30", "2023-10-07 09:30"),
        # Once that slot ran, a second restart the same morning has nothing to catch up.
        ("daily", "2023-10-09 08:05", "2023-10-08 09:00", None),
        # … and the regular 09:00 slot is the next one.
        ("daily", "2023-10-09 09:00", "2023-10-08 09:00", "2023-10-09 09:00"),
        # During the holiday nothing is due after the last working day's run.
        ("daily", "2023-10-03 12:00", "2023-09-28 09:00", None),
        # Off for longer than the catch-up window (7 days): nothing old is run; the schedule resumes.
        ("daily", "2023-10-07 08:00", "2023-09-27 09:00", None),
        # A monthly summary is caught up within the month.
        ("summary-monthly", "2023-10-20 08:00", "2023-09-01 09:30", "2023-10-07 09:30"),
    ],
)
def test_catch_up_runs_the_latest_missed_slot_once(
    job: str, now: str, last_handled: str | None, expected: str | None
) -> None:
    handled = at(last_handled) if last_handled else None
    slot = catch_up_slot(SPECS[job], at(now), CALENDAR, handled)
    assert (f"{slot:%Y-%m-%d %H:%M}" if slot else None) == expected


def test_slot_keys_round_trip_and_sort_in_time_order() -> None:
    slots = [at("2023-10-08 09:00"), at("2023-10-09 09:00"), at("2023-12-01 09:30")]
    keys = [slot_key(s) for s in slots]
    assert keys[0] == "2023-10-08T09:00+08:00"
    assert [parse_slot(k) for k in keys] == slots
    assert sorted(reversed(keys)) == keys
    assert slot_key(slots[0].astimezone(OFFICE_TZ) - timedelta(hours=8)) == "2023-10-08T01:00+08:00"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DUBAN_DAILY_AT", "25:00", "应为 HH:MM"),
        ("DUBAN_COLLECT_CRON", "0 10 1-10 *", "应为五段 crontab"),
        ("DUBAN_OUTBOX_MINUTES", "0", "应为正整数"),
    ],
)
def test_bad_timetable_settings_name_their_variable(variable: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({variable: value})
    assert variable in str(raised.value) and expected in str(raised.value)


def test_settings_move_the_times() -> None:
    config = Settings.from_env({"DUBAN_DAILY_AT": "08:15", "DUBAN_COLLECT_CRON": "30 7 2 * *"}).schedule()
    specs = {s.id: s for s in job_specs(config)}
    assert fires(specs["daily"], "2023-10-09 09:00", 1) == ["10-10 08:15"]
    # The 2nd of each month at 07:30, skipped when not a working day (2023-12-02 is a Saturday).
    assert fires(specs["collect-monthly"], "2023-10-09 09:00", 2) == ["11-02 07:30", "01-02 07:30"]
    assert Settings.from_env({"DUBAN_SUMMARY_AT": "9:30"}).schedule().summary_at.hour == 9
