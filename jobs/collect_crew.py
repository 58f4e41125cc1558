"""One instance's share of the collection rounds (:mod:`jobs.collect_spread`): a crew of threads.

Each thread, on a database connection of its own for as long as it holds an item: claims an item
(``FOR UPDATE SKIP LOCKED``) whose instance is not alive — the item's advisory lock is free — and
whose host has a free slot of its ``DUBAN_HOST_CONCURRENCY`` (advisory locks as well); collects it;
stores its figures, evidence and attempt in the transaction that marks it done, if it is still its
own; then lets go of both locks. A thread that finds nothing waits ``poll`` seconds.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from collectors.base import SourceConfig
from db import advisory
from db.collect_work import claim, claimable, finish, lanes_with_work
from db.evidence import DiskSync
from db.models import CollectItem, CollectRound
from jobs.collect import Collector, after_commit, indicator_ids, load_sources, on_disk
from jobs.collect_store import store_batch

log = logging.getLogger(__name__)
# A round's sources by (project id, source code), and their indicators' ids.
Plan = tuple[dict[tuple[int, str], SourceConfig], dict[tuple[int, str], dict[str, int]]]
# Threads per instance taking items; each holds one database connection while it works.
SPREAD_WORKERS = 4
CANDIDATES = 8  # rows of one lane looked at per claim


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
        self._lock = threading.Lock()
        self._round_plan: tuple[int | None, Plan] | None = None
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
            except OperationalError as error:  # the item is claimable again; try later
                log.error("数据库暂时无法使用（%s）：采集任务稍后再领取", error.orig or error)
                worked = False
            except Exception:
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
                advisory.release_work_item(connection, item_id=id_of(item))
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
                    if advisory.try_work_item(connection, item_id=id_of(item)):  # else: alive elsewhere
                        claim(session, item=item, by=by)
                        session.commit()
                        return item, round_, slot
                advisory.release_host_slot(connection, slot=slot)
            session.commit()
        return None

    def _plan(self, connection: Connection, round_: CollectRound) -> Plan:
        """Every source and indicator id, read once per round by this crew, not once per item."""
        with self._lock:
            if self._round_plan is not None and self._round_plan[0] == round_.id:
                return self._round_plan[1]
        with Session(bind=connection, expire_on_commit=False) as session:
            sources = load_sources(session)
            ids = indicator_ids(session, {project_id for project_id, _ in sources})
            session.commit()  # no transaction held open while fetching
        plan = ({(p, c.code): c for p, c in sources}, ids)
        with self._lock:
            self._round_plan = (round_.id, plan)
        return plan

    def _collect(self, connection: Connection, by: str, item: CollectItem, round_: CollectRound) -> None:
        now = round_.started_at  # the run's time, as when one process collects everything
        configs, ids = self._plan(connection, round_)
        entry = configs.get((item.project_id, item.source_code))
        if entry is None:
            failure = f"数据源 {item.source_code} 已不在项目 {item.project_code} 的计划中，本轮未采集"
            with Session(bind=connection) as session:
                _finish(session, item, by, self.clock(), failures=[failure])
                session.commit()
            return
        done = self.collector.one(item.project_id, entry, now=now, month=round_.month, as_of=round_.as_of)
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
    return finish(session, item_id=id_of(item), by=by, at=at, **values)  # type: ignore[arg-type]


def id_of(item: CollectItem) -> int:
    assert item.id is not None
    return item.id
