"""Each endpoint's rate window, counted in the database so that every sender keeps to it.

The sender and ``duban notify-test`` in every instance record their requests per endpoint here
(under the endpoint's lock), so together they never push a channel over its limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from db import outbox
from db.advisory import serialise_rate_key
from db.engine import session_scope
from notifiers.pacing import MARGIN, WINDOW, wait_needed

Clock = Callable[[], datetime]


def elapsed_clock(now: datetime) -> Clock:
    """``now`` moving forward with the monotonic clock: the run's time, also for replayed days."""
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


@dataclass
class RateWaits:
    """This process's waits for rate windows since it started, read by ``/metrics``."""

    count: int = 0
    seconds: float = 0.0


RATE_WAITS = RateWaits()


def reserve_attempt(
    engine: Engine, *, rate_key: str, per_minute: int, clock: Clock, margin: timedelta = MARGIN
) -> float:
    """Seconds to wait for ``rate_key``'s window now (``clock`` is the real time), or 0 after
    recording this request. The sender and ``duban notify-test`` count one window per endpoint, in
    the database, so neither can push the other over the channel's limit; counting and recording
    happen under the key's lock, so senders in other instances take their turns as well."""
    with session_scope(engine) as session:
        serialise_rate_key(session, rate_key=rate_key)
        at = clock()  # read once the lock is held: the window is counted at the moment it is used
        recent = outbox.attempts_since(session, rate_key=rate_key, since=at - WINDOW - margin)
        wait = wait_needed(recent, per_minute, at, margin=margin)
        if wait <= 0:
            outbox.record_attempt(session, rate_key=rate_key, at=at)
        return wait
