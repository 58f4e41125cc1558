"""Run work items concurrently with at most ``per_host`` at a time on any one host.

Items wait in a queue per host and are handed to the pool only when their host has a free lane,
so no worker thread ever sits waiting for a busy host: a slow or dead backend holds its own
lanes and nothing else. A finishing item starts the next one itself, so fetching goes on while
the caller is busy storing; results come back in batches of whatever has finished.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_by_host(
    items: Iterable[T],
    host_of: Callable[[T], str],
    work: Callable[[T], R],
    *,
    per_host: int,
    workers: int,
    gather: float = 0.0,
) -> Iterator[list[tuple[T, R]]]:
    """Yield lists of ``(item, work(item))`` as they finish; ``work`` should not raise.

    A list holds what finished within ``gather`` seconds of its first item (at least whatever
    had already finished), so a caller with a cost per list pays it a few times a second.
    """
    waiting: dict[str, deque[T]] = {}
    for item in items:
        waiting.setdefault(host_of(item), deque()).append(item)
    remaining = sum(len(q) for q in waiting.values())
    busy = dict.fromkeys(waiting, 0)
    finished: queue.Queue[tuple[T, R | BaseException, bool]] = queue.Queue()
    lock = threading.Lock()
    running = 0
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="collect")

    def start_more() -> None:  # called with the lock held
        nonlocal running
        progress = True
        while progress and running < workers:  # round-robin, so no host starves the others
            progress = False
            for host, pending in waiting.items():
                if pending and busy[host] < per_host and running < workers:
                    busy[host] += 1
                    running += 1
                    pool.submit(run, pending.popleft(), host)
                    progress = True

    def run(item: T, host: str) -> None:
        nonlocal running
        try:
            finished.put((item, work(item), True))
        except BaseException as exc:
            finished.put((item, exc, False))
        with lock:
            busy[host] -= 1
            running -= 1
            start_more()

    with lock:
        start_more()
    try:
        while remaining:
            batch = [finished.get()]
            until = time.monotonic() + gather
            while len(batch) < remaining:
                try:
                    batch.append(finished.get(timeout=max(0.0, until - time.monotonic())))
                except queue.Empty:
                    break
            remaining -= len(batch)
            for _, result, ok in batch:
                if not ok:
                    raise result  # type: ignore[misc]
            yield [(item, result) for item, result, _ in batch]  # type: ignore[misc]
    finally:
        with lock:
            waiting.clear()
        pool.shutdown(wait=True)
