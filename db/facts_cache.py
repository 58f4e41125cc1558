"""Each project's facts kept between runs (``factscache``), valid while its stamp is unchanged.

Loading a national database's facts means reading millions of figures; on a normal day most
projects' rows have not changed since the last run. Triggers (migration 0023) move a project's
``factsstamp`` whenever a row its facts are read from is written, so facts kept with the stamp
read *before* loading them are exactly what loading again would give while the stamp still
matches. A write landing during the load moves the stamp after it was read: that copy is then
stale from the start, never wrong.

The copy is a pickle of :class:`domain.facts.ProjectFacts`, read back by an unpickler that knows
only the facts' own classes. It also carries :data:`VERSION`, a digest of the code that builds
facts, so an upgrade never reads a copy written by other code. Saving is best effort, on its own
connection: when the database is busy the copy is simply not kept, and the next run loads again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

import domain.enums
import domain.facts
from db.figures import fetch_rows, ints

log = logging.getLogger(__name__)

# Whatever shapes the facts: the domain's classes and the code that loads them from the rows.
_BUILDERS = (
    "domain/facts.py", "domain/enums.py", "domain/agreement.py", "db/facts_loader.py", "db/figures.py",
)  # fmt: skip
_ROOT = Path(__file__).resolve().parents[1]


def _code_version() -> str:
    """A digest of the builders' source; without their source (an install of bytecode only), a
    digest of this process alone, so that no copy is ever shared with other code."""
    sources = [_ROOT / name for name in _BUILDERS]
    if not all(path.is_file() for path in sources):
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources) + sys.version.encode()).hexdigest()[:16]


VERSION = _code_version()
# How long saving waits for a busy database before giving up (the copy is only a saving of time).
SAVE_WAIT_MS = 2000


@dataclass
class Kept:
    """The projects' facts that are still valid, by project id, and the stamp of every other
    project asked for, read before anything of it was loaded (None: it has no stamp yet)."""

    facts: dict[int, domain.facts.ProjectFacts] = field(default_factory=dict)
    stamps: dict[int, int | None] = field(default_factory=dict)


def kept_facts(session: Session, ids: list[int]) -> Kept:
    """The valid copies among projects ``ids``, and the stamps of the rest (read first)."""
    asked = ints(ids)
    stamps: dict[int, int | None] = dict.fromkeys(ids)
    stamps.update(
        fetch_rows(session, f"SELECT project_id, stamp FROM factsstamp WHERE project_id IN ({asked})")
    )
    kept = Kept()
    # One statement, so a copy and the stamp it is checked against are read at the same moment.
    rows = fetch_rows(
        session,
        "SELECT c.project_id, c.facts FROM factscache c JOIN factsstamp s "
        f"ON s.project_id = c.project_id AND s.stamp = c.stamp WHERE c.version = '{VERSION}' "
        f"AND c.project_id IN ({asked})",
        binary=True,
    )
    for project_id, blob in rows:
        try:
            kept.facts[project_id] = _Unpickler(io.BytesIO(bytes(blob))).load()
        except Exception:  # an unreadable copy is only a missing one: load it again
            log.warning("项目 %s 的事实缓存无法读取，改为重新加载", project_id)
    kept.stamps = {pid: stamp for pid, stamp in stamps.items() if pid not in kept.facts}
    return kept


def keep_facts(session: Session, fresh: Iterable[tuple[int, int | None, domain.facts.ProjectFacts]]) -> None:
    """Save (project id, stamp read before loading, facts) copies, on a connection of their own.

    Nothing is saved when ``session`` has written rows it has not committed: the facts may hold
    them, and a rollback would leave the copy describing rows that never were.
    """
    rows = [
        {"project_id": pid, "stamp": stamp, "version": VERSION, "facts": pickle.dumps(facts, protocol=5)}
        for pid, stamp, facts in fresh
        if stamp is not None
    ]
    if not rows or _writing(session):
        return
    engine = session.get_bind()
    assert isinstance(engine, Engine)  # our sessions are bound to an engine
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as connection:  # begins a transaction of its own on first use
            if sqlite:  # the connection's own wait, given back before it returns to the pool
                usual = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {SAVE_WAIT_MS}")
            else:  # for this transaction only
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {SAVE_WAIT_MS}")
            try:
                connection.execute(_UPSERT, rows)
                connection.commit()
            finally:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {usual}")
    except DBAPIError as error:
        log.info("数据库正忙，%d 个项目的事实缓存这次没有保存，下次运行会重新加载：%s", len(rows), error.orig)


_UPSERT = text(
    "INSERT INTO factscache (project_id, stamp, version, facts) "
    "VALUES (:project_id, :stamp, :version, :facts) "
    "ON CONFLICT (project_id) DO UPDATE SET stamp = excluded.stamp, version = excluded.version, "
    "facts = excluded.facts"
)


def _writing(session: Session) -> bool:
    """Whether ``session`` holds uncommitted writes (SQLite begins a transaction only to write;
    PostgreSQL's stamps come from a sequence, which a rollback never hands out again)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    return bool(session.connection().connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


_ALLOWED = {
    ("datetime", "date"),
    ("domain.enums", "member"),
    ("domain.agreement", "AgreeWithin"),
    *(("domain.facts", name) for name in ("ProjectFacts", "IndicatorFacts", "ItemFacts", "SourceFacts")),
    *(("domain.facts", name) for name in ("AlertSettings", "Series", "MonthValue", "SourceReading")),
    *(("domain.enums", kind.__name__) for kind in domain.enums.Word.__subclasses__()),
}


class _Unpickler(pickle.Unpickler):
    """Reads back nothing but facts: any other class or function in a copy is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of the facts")
        return super().find_class(module, name)
