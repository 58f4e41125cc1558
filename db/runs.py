"""Job runs, the run lock and scheduled slots: the ``jobrun`` and ``joblock`` tables.

Data-access functions in the house style: keyword-only, given the session, no commit. The jobs
decide the transaction boundary; the lock's compare-and-set statements each report whether
they won, so the caller can tell a lock it took from one someone else holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from db.models import JobLock, JobRun
from db.types import utcnow
from domain.enums import RunStatus

# --- runs -----------------------------------------------------------------------------------


def start_run(
    session: Session, *, job: str, trigger: str, as_of: str | None, slot: str | None, parent_id: int | None
) -> JobRun:
    """Add the row of a run that is starting; its id is set once the session flushes."""
    run = JobRun(job=job, trigger=trigger, as_of=as_of, slot=slot, parent_id=parent_id)
    session.add(run)
    return run


def finish_run(
    session: Session, *, run_id: int | None, status: RunStatus, counts: dict[str, int], error: str | None
) -> None:
    """Record how a run ended, with its counts, now."""
    row = session.get(JobRun, run_id)
    assert row is not None
    row.status, row.counts, row.error, row.finished_at = status, dict(counts), error, utcnow()
    session.add(row)


def recent_runs(session: Session, *, limit: int, top_level: bool = False) -> list[JobRun]:
    """The latest runs, newest first; ``top_level`` leaves out the stages of a refresh."""
    query = select(JobRun)
    if top_level:
        query = query.where(col(JobRun.parent_id).is_(None))
    return list(session.exec(query.order_by(col(JobRun.id).desc()).limit(limit)))


def slot_handled(session: Session, *, job: str, slot: str, statuses: Iterable[RunStatus]) -> bool:
    """Whether a run of ``job`` for ``slot`` ended with one of ``statuses``."""
    query = select(JobRun.id).where(JobRun.job == job, JobRun.slot == slot, col(JobRun.status).in_(statuses))
    return session.exec(query).first() is not None


def last_slot(session: Session, *, job: str, statuses: Iterable[RunStatus]) -> str | None:
    """The latest slot key of ``job`` whose run ended with one of ``statuses``, if any."""
    query = select(func.max(JobRun.slot)).where(JobRun.job == job, col(JobRun.status).in_(statuses))
    return session.exec(query).one()


# --- the run lock ---------------------------------------------------------------------------


def insert_lock(session: Session, *, name: str, holder: str, label: str, now: datetime) -> None:
    """Add the lock row; the commit fails with an IntegrityError if someone holds ``name``."""
    session.add(JobLock(name=name, holder=holder, label=label, started_at=now, heartbeat_at=now))


def take_stale_lock(
    session: Session, *, name: str, holder: str, label: str, now: datetime, silent_since: datetime
) -> bool:
    """Take over ``name`` if its holder has not beaten since ``silent_since``; True if we won."""
    taken: Any = session.execute(
        update(JobLock)
        .where(col(JobLock.name) == name, col(JobLock.heartbeat_at) < silent_since)
        .values(holder=holder, label=label, started_at=now, heartbeat_at=now)
    )
    return bool(taken.rowcount == 1)


def renew_lock(session: Session, *, name: str, holder: str, now: datetime) -> bool:
    """Move the heartbeat of ``holder``'s lock to ``now``; False if the lock is not theirs."""
    result: Any = session.execute(
        update(JobLock)
        .where(col(JobLock.name) == name, col(JobLock.holder) == holder)
        .values(heartbeat_at=now)
    )
    return bool(result.rowcount == 1)


def delete_lock(session: Session, *, name: str, holder: str) -> None:
    """Let go of ``name`` if ``holder`` still has it."""
    session.execute(delete(JobLock).where(col(JobLock.name) == name, col(JobLock.holder) == holder))


def lock_row(session: Session, *, name: str) -> JobLock | None:
    return session.get(JobLock, name)
