"""Collection shared by the instances on one PostgreSQL database.

The leader's collection job opens a *round*: one work item per source of each project, in the
database (:mod:`db.collect_work`). Every instance's :class:`Crew` — the leader's own for the round,
and a standing one in each ``duban run`` — claims items, collects each, and stores its figures,
evidence and attempt in the same transaction that marks the item done. So each source is stored
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
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from collectors.base import SourceConfig
from db import advisory
from db.collect_work import claim, claimable, finish, give_up, lanes_with_work, open_round, round_items
from db.engine import session_scope
from db.evidence import DiskSync
from db.models import CollectItem, CollectRound
from domain.enums import WorkStatus
from domain.errors import CollectionError
from jobs.collect import Collector, CollectResult, after_commit, indicator_ids, lane_of, load_sources, on_disk
from jobs.collect_store import Finished, store_batch

log = logging.getLogger(__name__)
# Threads per instance taking items; each holds one database connection while it works.
SPREAD_WORKERS = 4
CANDIDATES = 8  # rows of one lane looked at per claim
WAIT_POLL = 0.25  # how often the leader looks at its round's progress


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Crew:
    """Threads of one instance taking items from open rounds until :meth:`stop`.

    Idle threads look for work every ``poll`` seconds and hold no connection meanwhile.
    """

    def __init__(
        self,
        engine: Engine,
        collector: Collector,
        *,
        clock: Callable[[], datetime],
        workers: int = SPREAD_WORKERS,
        poll: float = 1.0,
    ) -> None:
        self.engine, self.collector, self.clock, self.poll = engine, collector, clock, poll
        self.host_limit = collector.env.http.host_limit
        self._stop = threading.Event()
        crew = f"{instance_name()}:{uuid.uuid4().hex[:4]}"
        self._threads = [
            threading.Thread(target=self._run, args=(f"{crew}:{n}",), name=f"collect-{n}", daemon=True)
            for n in range(max(1, workers))
        ]

    def start(self) -> Crew:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Take no more items; with ``wait``, let the ones in hand finish first."""
        self._stop.set()
        if wait:
            for thread in self._threads:
                thread.join()

    def _run(self, by: str) -> None:
        while not self._stop.is_set():
            try:
                worked = self.step(by)
            except Exception:  # a database hiccup: the item is claimable again, try later
                log.exception("领取或保存采集任务时出错，稍后再试")
                worked = False
            if not worked:
                self._stop.wait(self.poll * random.uniform(0.5, 1.0))

    def step(self, by: str) -> bool:
        """Claim, collect and store one item as ``by``; False when nothing could be claimed."""
        connection = self.engine.connect()
        try:
            claimed = self._claim(connection, by)
            if claimed is None:
                return False
            item, round_, slot = claimed
            try:
                self._collect(connection, by, item, round_)
            finally:
                advisory.release_host_slot(connection, slot=slot)
                advisory.release_work_item(connection, item_id=_id(item))
                connection.commit()
            return True
        except BaseException:
            connection.invalidate()  # never back into the pool with a lock on it
            raise
        finally:
            connection.close()

    def _claim(self, connection: Connection, by: str) -> tuple[CollectItem, CollectRound, str] | None:
        with Session(bind=connection, expire_on_commit=False) as session:
            now = self.clock()
            lanes = lanes_with_work(session, now=now)
            random.shuffle(lanes)  # instances spread over the hosts rather than queue on one
            for lane in lanes:
                rows = claimable(session, lane=lane, limit=CANDIDATES, now=now)
                if not rows:
                    continue
                slot = advisory.try_host_slot(connection, host=lane, limit=self.host_limit)
                if slot is None:
                    continue  # the host is busy with as many fetches as it may have
                for item, round_ in rows:
                    if advisory.try_work_item(connection, item_id=_id(item)):  # else: alive elsewhere
                        claim(session, item=item, by=by)
                        session.commit()
                        return item, round_, slot
                advisory.release_host_slot(connection, slot=slot)
            session.commit()
        return None

    def _collect(self, connection: Connection, by: str, item: CollectItem, round_: CollectRound) -> None:
        now = round_.started_at  # the run's time, as when one process collects everything
        with Session(bind=connection, expire_on_commit=False) as session:
            configs = load_sources(session, project=item.project_code, source=item.source_code)
            ids = indicator_ids(session, {item.project_id})
            session.commit()  # no transaction held open while fetching
        entry = next(((p, c) for p, c in configs if p == item.project_id), None)
        if entry is None:
            failure = f"数据源 {item.source_code} 已不在项目 {item.project_code} 的计划中，本轮未采集"
            with Session(bind=connection) as session:
                _finish(session, item, by, self.clock(), failures=[failure])
                session.commit()
            return
        done = self.collector.one(*entry, now=now, month=round_.month, as_of=round_.as_of)
        with DiskSync(self.collector.evidence_dir) as disk:
            finished = on_disk(disk, [done])
        with Session(bind=connection, expire_on_commit=False) as session:
            counts = store_batch(session, finished, ids, now)
            kept = _finish(
                session,
                item,
                by,
                self.clock(),
                figures=counts.figures,
                revisions=counts.revisions,
                filings=counts.filings,
                failures=counts.failures,
            )
            if not kept:
                session.rollback()
                log.warning(
                    "数据源 %s/%s 已由别的实例完成或已过本轮截止时间，本实例的结果不再保存",
                    item.project_code,
                    item.source_code,
                )
                return
            session.commit()
        after_commit(finished[0])


def _finish(session: Session, item: CollectItem, by: str, at: datetime, **counts: object) -> bool:
    values = {"figures": 0, "revisions": 0, "filings": 0, "failures": [], **counts}
    return finish(session, item_id=_id(item), by=by, at=at, **values)  # type: ignore[arg-type]


def _id(item: CollectItem) -> int:
    assert item.id is not None
    return item.id


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
        configs = load_sources(session, project=project, source=source)
        items = [
            {"project_id": p, "project_code": c.project, "source_code": c.code, "lane": lane_of(c)}
            for p, c in configs
        ]
        round_id = open_round(session, started_at=now, as_of=as_of, month=month, deadline=until, items=items)
    log.info("本轮采集共 %d 个数据源，由各实例分担（轮次 %d）", len(configs), round_id)
    crew = Crew(engine, collector, clock=clock, workers=min(workers, max(1, len(configs))), poll=WAIT_POLL)
    crew.start()
    try:
        finished = _wait(engine, round_id, configs, until=until, clock=clock, on_done=on_done)
    finally:
        crew.stop(wait=False)  # a thread still fetching finds the round closed and keeps nothing
    if not finished:
        _give_up(engine, round_id, configs, at=clock(), deadline=deadline)
    return _result(engine, round_id)


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
            if item.status == WorkStatus.DONE and _id(item) not in seen:
                seen.add(_id(item))
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
        errors: dict[int, CollectionError] = {}
        for item in round_items(session, round_id=round_id):
            if item.status == WorkStatus.DONE:
                continue
            where = (
                f"实例 {item.claimed_by.rsplit(':', 2)[0]} 正在采集"
                if item.status == WorkStatus.CLAIMED and item.claimed_by
                else "没有实例领取"
            )
            errors[_id(item)] = CollectionError(
                item.source_code,
                f"本轮采集在 {minutes} 分钟的期限内没有完成（{where}），本次没有数据；下次采集会再试",
            )
        given = give_up(session, round_id=round_id, at=at, failures={i: str(e) for i, e in errors.items()})
        items = {_id(item): item for item in round_items(session, round_id=round_id)}
        failed = [
            Finished(item.project_id, by_key[(item.project_id, item.source_code)], errors[i], [], {})
            for i in given
            if (item := items[i])
        ]
        store_batch(session, failed, {}, at)
    for i in given:
        log.error("采集超时：%s", errors[i])


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
