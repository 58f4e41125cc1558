"""Load the projects' facts and judge them, on both cores when there are many projects.

A national run (1,500 projects, millions of figures) spends most of its time reading figures
into facts and judging them, one project after another, so on a 2-core machine one core stays
idle. From :data:`PARALLEL_FROM` projects on, the project codes are cut into two contiguous
halves (in code order): a forked worker loads and judges the second half over its own database
connection while this process does the first, then the caller's reading that needs no finding.
Each half's findings come back sorted; sorting
their concatenation again (a stable sort) gives exactly the order one process would have, so a
finding list never depends on how the work was split. Below the threshold, and for one named
project, everything stays in this process, on the caller's session.

Only reading happens in the worker: alert decisions, the outbox and every write stay with the
caller, in its one transaction. A worker that dies (killed, out of memory) costs time, not the
run: its half is then judged here.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.facts_loader import load_projects, project_order
from domain.evaluation import Policy, evaluate
from domain.facts import ProjectFacts
from domain.findings import Finding
from domain.resolutions import Clearing, clearings
from domain.workdays import WorkCalendar

log = logging.getLogger(__name__)
PARALLEL_FROM = 200  # projects; fewer load and judge in well under a second in one process
# The worker's part of the projects when this process also has ``meanwhile`` reading to do: at
# national size that reading (open alerts, silences, channels) costs about a tenth of the judging.
WORKER_SHARE_WITH_READING = 0.55


@dataclass
class Judged:
    """The findings for the projects asked for (most urgent first), and what the alert step
    needs of their facts: the projects' codes and names, and how their alerts clear."""

    codes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    clearings: dict[str, Clearing] = field(default_factory=dict)

    def joined(self, other: Judged) -> Judged:
        """This half followed by ``other`` (the later codes), as one process would have judged both."""
        return Judged(
            codes=self.codes + other.codes,
            names=self.names | other.names,
            findings=sorted(self.findings + other.findings, key=Finding.sort_key),
            clearings=self.clearings | other.clearings,
        )


def judge_projects(
    session: Session,
    codes: list[str] | None,
    as_of: date,
    calendar: WorkCalendar,
    policy: Policy,
    *,
    quiet: bool = False,
    parallel_from: int | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Judged:
    """Load and evaluate the projects ``codes`` (every project when None); see the module's doc.

    ``quiet`` keeps the verdicts that need no reminder, as :func:`domain.evaluation.evaluate`;
    ``parallel_from`` is the number of projects from which a worker takes part of them
    (:data:`PARALLEL_FROM`); ``meanwhile`` is reading the caller needs whatever is found, done on
    ``session`` while the worker finishes its part (or after judging, in one process).
    """
    reads = meanwhile is not None
    meanwhile = meanwhile or (lambda: None)
    parallel_from = PARALLEL_FROM if parallel_from is None else parallel_from

    def judged(facts: list[ProjectFacts]) -> Judged:
        return Judged(
            codes=[p.code for p in facts],
            names={p.code: p.name for p in facts},
            findings=evaluate(facts, as_of, calendar, policy, quiet=quiet),
            clearings=clearings(facts),
        )

    every = codes if codes is not None and len(codes) < parallel_from else project_order(session, codes)
    if len(every) < parallel_from:
        alone = judged(load_projects(session, codes))
        meanwhile()
        return alone
    middle = round(len(every) * (1 - (WORKER_SHARE_WITH_READING if reads else 0.5)))
    first, second = every[:middle], every[middle:]
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # a session of ours is bound to its engine
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),  # inherits the engine and the policies
        initializer=_adopt,
        initargs=(lambda: _judged_apart(engine, second, judged),),
    ) as pool:
        theirs = pool.submit(_run_adopted)
        with _Kept() as said:
            mine = judged(load_projects(session, first))
            meanwhile()
        try:
            other, records = theirs.result()
        except BrokenProcessPool:  # killed (out of memory, by hand): its half is judged here instead
            log.warning("并行评估的子进程意外退出，其余 %d 个项目改在本进程中评估，结果不受影响", len(second))
            other, records = judged(load_projects(session, second)), []
    for record in records:  # a warning both halves gave (a year without holidays) is said once
        if (record.name, record.levelno, record.getMessage()) not in said.seen:
            logging.getLogger(record.name).handle(record)
    return mine.joined(other)


def _judged_apart(
    engine: Engine, codes: list[str], judged: Callable[[list[ProjectFacts]], Judged]
) -> tuple[Judged, list[logging.LogRecord]]:
    """In the worker: its own connection (the parent's pooled ones are left to the parent), and
    its log records handed back for the parent to say, instead of written from here."""
    engine.dispose(close=False)
    root = logging.getLogger()
    kept = _Kept()
    root.handlers = [kept]
    with Session(engine) as session:
        facts = load_projects(session, codes)
    _unfreed.append(facts)  # the worker ends without freeing its millions of figures one by one
    return judged(facts), kept.records


# What the worker read, kept until it exits: freeing it as the job returned took a tenth of a
# second at national size, before the findings went back to the waiting parent.
_unfreed: list[list[ProjectFacts]] = []


class _Kept(logging.Handler):
    """Keeps the records logged while it is attached to the root logger (as a context manager)
    or is its only handler, in a form that pickles."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self.seen: set[tuple[str, int, str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info, record.exc_text = message, None, None, None
        self.records.append(record)
        self.seen.add((record.name, record.levelno, message))

    def __enter__(self) -> _Kept:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger().removeHandler(self)


_adopted: Callable[[], tuple[Judged, list[logging.LogRecord]]] | None = None


def _adopt(job: Callable[[], tuple[Judged, list[logging.LogRecord]]]) -> None:
    """Run in the forked worker as it starts: the job came by fork, not by pickling."""
    global _adopted
    _adopted = job


def _run_adopted() -> tuple[Judged, list[logging.LogRecord]]:
    assert _adopted is not None  # set by the pool's initializer
    return _adopted()
