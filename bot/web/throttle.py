"""The login rate limit: after too many failures, a user name or a client address must wait.

Failures are rows in the database (``LoginFailure``), so a restart of the web page does not reset
the count and several workers share it. Both keys are counted: per user name (someone guessing one
account's password from many addresses) and per client address (one machine trying many
accounts). While either is over the limit the login is refused before the password is even
checked, so guessing stops rather than slows; the wait ends when the oldest failure in the window
ages out. A successful login clears that user name's failures.

The client address is the connection's. ``X-Forwarded-For`` is believed only from the proxies
listed in ``DUBAN_TRUSTED_PROXIES`` (none by default), so a client cannot rotate the address that
is counted; behind nginx, list nginx's address there (docs/security.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import users

NAME_LIMIT = 64  # a user name is stored cut to this length; a megabyte of "name" is not kept


@dataclass(frozen=True)
class Throttle:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def wait(self, engine: Engine, *, username: str, client: str, now: datetime) -> timedelta | None:
        """How long this user name or client must still wait, or None when a login may be tried."""
        since = now - self.window
        waits = []
        with Session(engine) as session:
            for key in ({"username": username[:NAME_LIMIT]}, {"client": client}):
                times = users.failure_times(session, since=since, limit=self.max_failures, **key)
                if len(times) >= self.max_failures:
                    waits.append(times[-1] + self.window - now)
        return max(waits) if waits else None

    def failed(self, engine: Engine, *, username: str, client: str, now: datetime) -> None:
        """Count one failure (and forget failures older than the window)."""
        with Session(engine) as session:
            users.record_failure(session, username=username[:NAME_LIMIT], client=client, at=now)
            users.forget_failures(session, until=now - self.window)
            session.commit()

    def succeeded(self, engine: Engine, *, username: str) -> None:
        with Session(engine) as session:
            users.forget_failures(session, username=username[:NAME_LIMIT])
            session.commit()


def minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))
