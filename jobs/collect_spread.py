"""Collection shared by the instances on one PostgreSQL database.

The leader's collection job opens a *round*: one work item per source of each project, in the
database (:mod:`db.collect_work`). Every instance's crew (:mod:`jobs.collect_crew`) — the
leader's own for the round, and a standing one in each ``duban run`` — claims items, collects
each, and stores its figures, evidence and attempt in the same transaction that marks the item
done. So each source is stored
once, by whichever instance took it:

* claiming reads items ``FOR UPDATE SKIP LOCKED``: two instances never take the same row at once;
* the instance collecting an item holds the item's advisory lock on its connection; an instance
  that dies lets go of it with its connection, and the item is claimable again at once;
* a fetch needs one of its host's ``DUBAN_HOST_CONCURRENCY`` slots (advisory locks too), so the
  per-host limit holds across instances as it holds within one (:mod:`collectors.lanes`);
* marking done checks that the item is still this claimer's: a late instance whose item was
  taken over, or given up at the deadline, rolls back what it would have stored.

The leader waits for the round before its evaluation; past the deadline, each unfinished source
is recorded as a failed collection with the reason, never as a silent zero. On SQLite there is one
instance and :func:`jobs.collect.collect` does it all in-process, as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from collectors.base import SourceConfig
from db.collect_work import close_round, forget_rounds, give_up, open_round, round_items
from db.engine import session_scope
from db.models import CollectItem
from domain.enums import WorkStatus
from domain.errors import CollectionError
from jobs.collect import Collector, CollectResult, lane_of, load_sources
from jobs.collect_crew import SPREAD_WORKERS, Crew, id_of
from jobs.collect_store import Finished, store_batch

log = logging.getLogger(__name__)
WAIT_POLL = 0.25  # how often the leader looks at its round's progress
KEEP_ROUNDS = timedelta(days=7)  # finished rounds are only for looking into a recent run


def collect_spread(
    engine: Engine,
    collector: Collector,
    *,
    now: datetime,
    clock: Callable[[], datetime],
    deadline: timedelta,
    as_of: date | None = None,
    project: str | None = None,
    source: str | None = None,
    month: str | None = None,
    workers: int = SPREAD_WORKERS,
    on_done: Callable[[SourceConfig], None] | None = None,
) -> CollectResult:
    """Collect every matching source once, shared with the other instances; returns when every
    source is stored or, at ``deadline`` after ``now``, with the rest recorded as failed."""
    until = clock() + deadline  # the real clock: ``now`` may be a replayed day's
    with session_scope(engine) as session:
        forget_rounds(session, before=now - KEEP_ROUNDS)
        configs = load_sources(session, project=project, source=source)
        items = work_items(configs)
        round_id = open_round(session, started_at=now, as_of=as_of, month=month, deadline=until, items=items)
    log.info("本轮采集共 %d 个数据源，由各实例分担（轮次 %d）", len(configs), round_id)
    crew = Crew(engine, collector, clock=clock, workers=min(workers, max(1, len(configs))), poll=WAIT_POLL)
    crew.start()
    try:
        finished = _wait(engine, round_id, configs, until=until, clock=clock, on_done=on_done)
    finally:
        crew.stop(wait=False)  # a thread still fetching finds the round closed and keeps nothing
    if finished:
        with session_scope(engine) as session:
            close_round(session, round_id=round_id, at=clock())
    else:
        _give_up(engine, round_id, configs, at=clock(), deadline=deadline)
    return _result(engine, round_id)


def work_items(configs: list[tuple[int, SourceConfig]]) -> list[dict[str, Any]]:
    """One work item per source, with the lane (host) its requests go to."""
    return [
        {"project_id": p, "project_code": c.project, "source_code": c.code, "lane": lane_of(c)}
        for p, c in configs
    ]


def _wait(
    engine: Engine,
    round_id: int,
    configs: list[tuple[int, SourceConfig]],
    *,
    until: datetime,
    clock: Callable[[], datetime],
    on_done: Callable[[SourceConfig], None] | None,
) -> bool:
    """Wait for the round's items; True when all are done, False when ``until`` came first."""
    by_key = {(p, c.code): c for p, c in configs}
    seen: set[int] = set()
    while True:
        with session_scope(engine) as session:
            items = round_items(session, round_id=round_id)
        for item in items:
            if item.status == WorkStatus.DONE and id_of(item) not in seen:
                seen.add(id_of(item))
                if on_done is not None:
                    on_done(by_key[(item.project_id, item.source_code)])
        if len(seen) == len(items):
            return True
        if clock() >= until:
            return False
        time.sleep(WAIT_POLL)


def _give_up(
    engine: Engine,
    round_id: int,
    configs: list[tuple[int, SourceConfig]],
    *,
    at: datetime,
    deadline: timedelta,
) -> None:
    """Close the round; each source not done is a failed collection, saying why."""
    by_key = {(p, c.code): c for p, c in configs}
    minutes = f"{deadline.total_seconds() / 60:g}"
    with session_scope(engine) as session:
        left = [i for i in round_items(session, round_id=round_id) if i.status != WorkStatus.DONE]
        errors = {id_of(item): _late(item, minutes) for item in left}
        given = give_up(session, round_id=round_id, at=at, failures={i: str(e) for i, e in errors.items()})
        failed = [
            Finished(
                item.project_id, by_key[(item.project_id, item.source_code)], errors[id_of(item)], [], {}
            )
            for item in left
            if id_of(item) in given
        ]
        store_batch(session, failed, {}, at)
    for i in given:
        log.error("采集超时：%s", errors[i])


def _late(item: CollectItem, minutes: str) -> CollectionError:
    """Why a source has no figures from this round: nobody took it, or its instance was too slow."""
    where = (
        f"实例 {item.claimed_by.rsplit(':', 2)[0]} 正在采集"
        if item.status == WorkStatus.CLAIMED and item.claimed_by
        else "没有实例领取"
    )
    problem = f"本轮采集在 {minutes} 分钟的期限内没有完成（{where}），本次没有数据；下次采集会再试"
    return CollectionError(item.source_code, problem)


def _result(engine: Engine, round_id: int) -> CollectResult:
    with session_scope(engine) as session:
        items = round_items(session, round_id=round_id)
    result = CollectResult(sources=len(items))
    for item in items:
        result.figures += item.figures
        result.revisions += item.revisions
        result.filings += item.filings
        result.failures += item.failures
    return result
