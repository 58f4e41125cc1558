"""PostgreSQL advisory locks: what lets several duban instances share one database.

Five uses, each in its own key space (the first half of the two-integer key):

* the scheduler leader — a session lock held on a connection of its own for as long as an
  instance leads (:func:`try_lead`); the server lets go of it the moment that connection ends,
  so an instance that was killed stops leading at once and a standby can take over;
* the run lock's liveness — the ``joblock`` row says who runs what; a session lock beside it says
  whether that holder is still alive (:mod:`jobs.lock`);
* a robot's rate window — a transaction lock per rate key, so the "count the last minute's
  attempts, then record one" of two senders never interleaves (:func:`serialise_rate_key`);
* a collection work item's liveness — the instance collecting it holds the item's session lock,
  so an item whose holder died is claimable again at once (:func:`try_work_item`);
* a host's collection slots — ``DUBAN_HOST_CONCURRENCY`` session locks per host; an instance
  fetches from a host only while it holds one of them, so the limit holds across instances
  (:func:`try_host_slot`).

SQLite has none of this: it is the single-instance database, and a second ``duban run`` on it
is refused (:mod:`bot.leadership`). Every function here answers sensibly on SQLite too.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

# First halves of the keys. "du" in ASCII, so that another program's locks in the same database
# are unlikely to meet ours.
LEADER_SPACE = 0x6475_0001
RUN_LOCK_SPACE = 0x6475_0002
RATE_SPACE = 0x6475_0003
WORK_SPACE = 0x6475_0004
HOST_SPACE = 0x6475_0005

# Server-side keepalives on the leader's connection: if the leader's machine vanishes without
# closing it (power cut, network gone), the server drops it and its lock within about a minute.
LEADER_KEEPALIVES = {"tcp_keepalives_idle": 20, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 4}


def shared(engine: Engine) -> bool:
    """Whether several instances may use this database at once (PostgreSQL, not SQLite)."""
    return engine.dialect.name == "postgresql"


def _key(space: int, name: str) -> tuple[int, object]:
    return space, func.hashtext(name)


def try_session_lock(connection: Connection, *, space: int, name: str) -> bool:
    """Take the session lock ``(space, name)`` on ``connection`` if nobody holds it; True if taken.

    It stays with the connection until :func:`session_unlock` or until the connection ends
    (committing or rolling back does not release it).
    """
    first, second = _key(space, name)
    return bool(connection.execute(select(func.pg_try_advisory_lock(first, second))).scalar())


def session_unlock(connection: Connection, *, space: int, name: str) -> None:
    first, second = _key(space, name)
    connection.execute(select(func.pg_advisory_unlock(first, second)))


def is_locked(connection: Connection, *, space: int, name: str) -> bool:
    """Whether any session holds ``(space, name)`` — a holder that died holds nothing."""
    if not try_session_lock(connection, space=space, name=name):
        return True
    session_unlock(connection, space=space, name=name)
    return False


def try_lead(connection: Connection) -> bool:
    """Become the scheduler leader on ``connection`` (an AUTOCOMMIT connection kept open)."""
    return try_session_lock(connection, space=LEADER_SPACE, name="scheduler")


def still_leading(connection: Connection) -> bool:
    """Whether ``connection`` still leads; raises if the connection is gone.

    A session lock is lost only with its session (nothing here unlocks the leader's), so a
    connection that still answers still holds it.
    """
    return connection.execute(select(1)).scalar() == 1


def keep_alive(connection: Connection) -> None:
    """Ask the server to probe this connection often, so a vanished leader is noticed soon."""
    for name, seconds in LEADER_KEEPALIVES.items():
        connection.execute(text(f"SET {name} = {int(seconds)}"))


def serialise_rate_key(session: Session, *, rate_key: str) -> None:
    """Hold ``rate_key``'s lock until the session's transaction ends (PostgreSQL; SQLite has one
    sender). Between taking it and committing, no other instance counts or records an attempt
    for that key."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    first, second = _key(RATE_SPACE, rate_key)
    session.execute(select(func.pg_advisory_xact_lock(first, second)))


def try_work_item(connection: Connection, *, item_id: int) -> bool:
    """Take work item ``item_id``'s lock on ``connection`` (a session lock); False while a live
    instance holds it. Keyed by the id itself, so two items never share a lock."""
    return bool(connection.execute(select(func.pg_try_advisory_lock(WORK_SPACE, item_id))).scalar())


def release_work_item(connection: Connection, *, item_id: int) -> None:
    connection.execute(select(func.pg_advisory_unlock(WORK_SPACE, item_id)))


def try_host_slot(connection: Connection, *, host: str, limit: int) -> str | None:
    """One of ``host``'s ``limit`` slots, taken on ``connection``; None while all are held.

    Returns the slot's name for :func:`release_host_slot`. Slots are session locks: an instance
    that dies lets go of its slot with its connection.
    """
    for number in range(limit):
        name = f"{host}#{number}"
        if try_session_lock(connection, space=HOST_SPACE, name=name):
            return name
    return None


def release_host_slot(connection: Connection, *, slot: str) -> None:
    session_unlock(connection, space=HOST_SPACE, name=slot)
