"""How finished sources come back to the storing loop: gathered a little, never held by a slow one."""

from __future__ import annotations

import threading
import time

from collectors.lanes import run_by_host


def test_what_finishes_together_is_one_batch_and_a_slow_item_holds_nothing_back() -> None:
    go, release = threading.Event(), threading.Event()

    def work(item: str) -> str:
        (release if item == "slow" else go).wait(10)
        return item.upper()

    lanes = run_by_host(["a", "b", "slow"], lambda item: item, work, per_host=1, workers=3, gather=1.0)
    go.set()
    first = next(lanes)
    assert sorted(first) == [("a", "A"), ("b", "B")]  # both, in one batch, without the slow one
    release.set()
    assert list(lanes) == [[("slow", "SLOW")]]


def test_the_last_items_are_not_held_for_the_gathering_window() -> None:
    started = time.monotonic()
    batches = list(run_by_host(["a", "b"], lambda item: "host", str.upper, per_host=2, workers=2, gather=30))
    assert sorted(pair for batch in batches for pair in batch) == [("a", "A"), ("b", "B")]
    assert time.monotonic() - started < 10  # nothing else could come: no waiting out the 30 s
