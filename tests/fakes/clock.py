"""A clock the test moves: ``sleep`` advances it instead of waiting."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2023, 10, 12, 1, 0, tzinfo=UTC)
        self.slept = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        self.slept += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=max(seconds, 0.0))
