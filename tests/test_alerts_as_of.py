"""The decision under ``--as-of``: ``now`` is the real clock, ``as_of`` the day judged.

A replayed day counts the repeat interval in as-of days from the day last told and judges a
silence at 9:00 on that day, so the real time of the last message neither holds a replay back nor
hurries it, and a replay needs no stamp from the simulated date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.alerting import AlertMemory, Reason, decide, judging_moment
from domain.enums import AlertState
from domain.workdays import office_morning
from tests.test_alerts_decide import POLICY, finding

REAL = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # the wall clock, years after the days replayed
TOLD = date(2023, 10, 16)


def told(state: AlertState = AlertState.OPEN, **kw: object) -> AlertMemory:
    """Told on 2023-10-16 (as of), the message really sent a minute before ``REAL``."""
    return AlertMemory(state, "overdue", REAL - timedelta(minutes=1), told_on=TOLD, **kw)  # type: ignore[arg-type]


THROUGH_20TH = office_morning(date(2023, 10, 21))
CASES = [
    ("replayed a week later", told(), date(2023, 10, 23), None, Reason.REPEAT),
    ("replayed six days later", told(), date(2023, 10, 22), None, Reason.UNCHANGED),
    ("replayed the same day", told(), TOLD, None, Reason.UNCHANGED),
    (
        "silenced through the 20th, replayed the 19th",
        told(),
        date(2023, 10, 19),
        THROUGH_20TH,
        Reason.SILENCED,
    ),
    ("silenced through the 20th, replayed the 23rd", told(), date(2023, 10, 23), THROUGH_20TH, Reason.REPEAT),
]


@pytest.mark.parametrize(
    ("memory", "as_of", "muted", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_replayed_day_is_judged_by_its_own_date(
    memory: AlertMemory, as_of: date, muted: datetime | None, reason: Reason
) -> None:
    assert decide(memory, finding(), REAL, POLICY, as_of=as_of, muted_until=muted) is reason


def test_todays_run_judges_at_the_real_time() -> None:
    today = REAL.astimezone(office_morning(TOLD).tzinfo).date()  # type: ignore[arg-type]
    assert judging_moment(REAL, today) == REAL
    assert judging_moment(REAL, None) == REAL
    assert judging_moment(REAL, TOLD) == office_morning(TOLD)


def test_without_the_day_last_told_the_interval_is_in_real_time() -> None:
    """Alerts told before the as-of day was kept fall back to the time of the last message."""
    old = AlertMemory(AlertState.OPEN, "overdue", REAL - timedelta(days=8))
    assert decide(old, finding(), REAL, POLICY, as_of=REAL.date()) is Reason.REPEAT
    recent = AlertMemory(AlertState.OPEN, "overdue", REAL - timedelta(days=2))
    assert decide(recent, finding(), REAL, POLICY, as_of=REAL.date()) is Reason.UNCHANGED
