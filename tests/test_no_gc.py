"""The collector's pause around a national load and judging (``db.facts_loader.no_gc``).

Millions of objects are made while the collector is paused. When it resumes they must not be
left in the youngest generation, whose next collection would walk every one of them (about 0.15 s
of every national command); and garbage made during the pause must still be freed.
"""

from __future__ import annotations

import gc
import weakref

from db.facts_loader import no_gc


class _Node:
    def __init__(self) -> None:
        self.itself = self  # a cycle: only the collector frees it


def test_after_a_pause_nothing_young_is_left_to_walk_and_cycles_are_still_freed() -> None:
    gc.collect()
    with no_gc():
        assert not gc.isenabled()
        piled = [[n] for n in range(100_000)]  # lists are tracked by the collector
        node = _Node()
        gone = weakref.ref(node)
    assert gc.isenabled()
    assert len(gc.get_objects(generation=0)) < 1_000 and gc.get_count()[0] < 1_000
    assert any(o is piled for o in gc.get_objects(generation=2))
    del node
    gc.collect()
    assert gone() is None


def test_a_pause_inside_a_pause_leaves_the_collector_paused() -> None:
    with no_gc():
        with no_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
