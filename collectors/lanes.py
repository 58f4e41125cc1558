"""Run work items concurrently with at most ``per_host`` at a time on any one host.

Items wait in a queue per host and are handed to the pool only when their host has a free lane,
so no worker thread ever sits waiting for a busy host: a slow or dead backend holds its own
lanes and nothing else. Results come back in the order they finish.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, work(item))`` as each finishes; ``work`` must not raise."""
    queues: dict[str, deque[T]] = {}
    for item in items:
        queues.setdefault(host_of(item), deque()).append(item)
    if not queues:
        return
    busy = dict.fromkeys(queues, 0)
    running: dict[Future[R], tuple[T, str]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="collect") as pool:

        def fill() -> None:
            # Round-robin over hosts so one host with many sources does not starve the others.
            progress = True
            while progress and len(running) < workers:
                progress = False
                for host, queue in queues.items():
                    if queue and busy[host] < per_host and len(running) < workers:
                        item = queue.popleft()
                        busy[host] += 1
                        running[pool.submit(work, item)] = (item, host)
                        progress = True

        fill()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                item, host = running.pop(future)
                busy[host] -= 1
                yield item, future.result()
            fill()
