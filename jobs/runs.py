"""Every job run leaves a :class:`JobRun` row: what ran, when, with what counts, and how it ended."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from sqlalchemy.engine import Engine

from db import runs
from db.engine import session_scope
from db.models import JobRun
from domain.enums import RunStatus

# The run a stage belongs to: a refresh's collect, evaluate and deliver rows point at the refresh.
_parent: ContextVar[int | None] = ContextVar("parent_run", default=None)


@contextmanager
def job_run(
    engine: Engine,
    job: str,
    *,
    trigger: str = "manual",
    as_of: date | None = None,
    slot: str | None = None,
) -> Iterator[dict[str, int]]:
    """Record a run around the block; the block fills the yielded counts.

    Runs started inside the block are recorded as its stages (``parent_id``). ``slot`` names the
    scheduled time a scheduled run stands for.
    """
    with session_scope(engine) as session:
        run = runs.start_run(
            session,
            job=job,
            trigger=trigger,
            as_of=as_of.isoformat() if as_of else None,
            slot=slot,
            parent_id=_parent.get(),
        )
    counts: dict[str, int] = {}
    token = _parent.set(run.id)
    try:
        yield counts
    except BaseException as exc:
        _finish(engine, run, RunStatus.FAILED, counts, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        _parent.reset(token)
    _finish(engine, run, RunStatus.SUCCEEDED, counts, None)


def _finish(
    engine: Engine, run: JobRun, status: RunStatus, counts: dict[str, int], error: str | None
) -> None:
    with session_scope(engine) as session:
        runs.finish_run(session, run_id=run.id, status=status, counts=counts, error=error)
