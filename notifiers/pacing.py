"""How long to wait before the next request to a rate-limited endpoint: a sliding 60-second window.

WeCom counts every request against a robot's 20 a minute, refused ones included, so the caller
records an attempt *before* sending and asks here first. Pure: the recent attempts and ``now`` in,
seconds to wait out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

WINDOW = timedelta(seconds=60)
# Our clock and WeCom's differ a little, and its window may be a calendar minute rather than a
# sliding one; a second of slack per window keeps us under either reading.
MARGIN = timedelta(seconds=1)


def wait_needed(
    recent: Iterable[datetime],
    per_minute: int,
    now: datetime,
    *,
    window: timedelta = WINDOW,
    margin: timedelta = MARGIN,
) -> float:
    """Seconds until one more request keeps every ``window`` at ``per_minute`` or fewer."""
    inside = sorted(at for at in recent if at > now - window - margin)
    if len(inside) < per_minute:
        return 0.0
    leaving = inside[len(inside) - per_minute]  # the attempt that must fall out of the window
    return max((leaving + window + margin - now).total_seconds(), 0.0)
