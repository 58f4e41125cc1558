"""The one big scan: every indicator's latest figures, as column-wise series.

Nationally this is millions of rows, so it goes through the driver's cursor with plain SQL (valid
on SQLite and PostgreSQL alike), and each indicator's rows are transposed into columns by ``zip``
— the per-figure work stays in C.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, TypeVar

from sqlmodel import Session

from domain.facts import MonthValue, Series

T = TypeVar("T")


def load_figures(session: Session, ids: list[Any] | None) -> tuple[Any, Any, Any]:
    """Latest revision per (indicator, month, town) in month order, and where each came from:
    (series by indicator id, town series by indicator id, source codes by indicator id)."""
    where = ""
    if ids is not None:
        # Plan ids are integers from our own rows, so inlining them is safe and keeps this one query.
        where = f" WHERE m.indicator_id IN (SELECT id FROM indicator WHERE project_id IN ({ints(ids)}))"
    cursor = _streaming_cursor(session, "duban_figures")
    # County and town figures in one pass, in the unique index's own order: SQLite walks that index
    # without sorting, where a filter on the town (IS NULL, IS NOT NULL) made it sort every
    # indicator's rows and read the table twice.
    cursor.execute(
        "SELECT m.indicator_id, m.month, m.value, m.cumulative, COALESCE(m.source_code, m.origin), m.town "
        f"FROM measurement m{where} ORDER BY m.indicator_id, m.month, m.town, m.revision"
    )
    values: dict[int, Series] = {}
    origins: dict[int, set[str]] = {}
    town_values: dict[int, dict[str, Series]] = {}
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # most indicators report the same months
    for indicator_id, group in groupby(_batches(cursor), key=itemgetter(0)):
        rows = list(group)
        _, months, amounts, flags, sources, towns = zip(*rows, strict=True)
        origins[indicator_id] = set(sources)
        if towns.count(None) < len(towns):  # reported by town too (few indicators)
            town_values[indicator_id] = _by_town([row for row in rows if row[5] is not None])
            county = [row for row in rows if row[5] is None]
            if not county:
                continue
            _, months, amounts, flags, _, _ = zip(*county, strict=True)
        if len(set(months)) < len(months):  # revisions: the last one of each month counts
            latest = dict(zip(months, zip(amounts, flags, strict=True), strict=True))
            months, (amounts, flags) = tuple(latest), tuple(zip(*latest.values(), strict=True))
        values[indicator_id] = Series(shared.setdefault(months, months), amounts, tuple(map(bool, flags)))
    cursor.close()
    return values, town_values, origins


def _by_town(rows: list[Any]) -> dict[str, Series]:
    """One indicator's town rows (in month then revision order) as a series per town, the towns in
    code-point order as Python sorts: the database orders them by its collation (pinyin on a
    Chinese PostgreSQL, code points on SQLite)."""
    towns: dict[str, dict[str, MonthValue]] = defaultdict(dict)
    for _, month, value, cumulative, _, town in rows:
        towns[town][month] = MonthValue(month, value, bool(cumulative))  # the last revision counts
    return {town: Series.of(towns[town].values()) for town in sorted(towns)}


def _streaming_cursor(session: Session, name: str) -> Any:
    """A driver cursor that holds one batch of rows at a time.

    PostgreSQL's ordinary (client-side) cursor receives the whole result before the first row is
    read, whatever ``fetchmany`` asks for; a named cursor is declared on the server and fetched
    batch by batch. SQLite's cursor already steps through the rows as they are read.
    """
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None  # the session's connection is checked out and open
    if connection.dialect.name == "postgresql":
        return raw.cursor(name=name)
    return raw.cursor()


def _batches(cursor: Any) -> Iterator[Any]:
    return chain.from_iterable(iter(partial(cursor.fetchmany, 20_000), []))


KEYS_PER_QUERY = 500  # bound values in one IN list: well under SQLite's limit per statement


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` a statement's worth at a time (:data:`KEYS_PER_QUERY`), for an IN list."""
    for start in range(0, len(values), KEYS_PER_QUERY):
        yield values[start : start + KEYS_PER_QUERY]


def ints(ids: list[Any]) -> str:
    """Our own integer ids for an IN list (never user text, so inlining them is safe)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"


def fetch_rows(session: Session, sql: str, *, binary: bool = False) -> list[Any]:
    """Every row of ``sql`` straight from the driver's cursor, past SQLAlchemy's per-row work;
    ``binary`` asks PostgreSQL for its binary format, in which bytes come as they are rather than
    as hexadecimal text twice their size."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None  # the session's connection is checked out and open
    postgres = session.get_bind().dialect.name == "postgresql"
    cursor = raw.cursor(binary=True) if binary and postgres else raw.cursor()
    cursor.execute(sql)
    rows = cursor.fetchall()
    cursor.close()
    return list(rows)
