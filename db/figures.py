"""The one big scan: every indicator's latest figures, as column-wise series.

Nationally this is millions of rows, so it goes through the driver's cursor with plain SQL (valid
on SQLite and PostgreSQL alike), and each indicator's rows are transposed into columns by ``zip``
— the per-figure work stays in C.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from sqlmodel import Session

from domain.facts import MonthValue, Series


def load_figures(session: Session, ids: list[Any] | None) -> tuple[Any, Any, Any]:
    """Latest revision per (indicator, month, town) in month order, and where each came from:
    (series by indicator id, town series by indicator id, source codes by indicator id)."""
    where = ""
    if ids is not None:
        # Plan ids are integers from our own rows, so inlining them is safe and keeps this one query.
        where = f" AND m.indicator_id IN (SELECT id FROM indicator WHERE project_id IN ({ints(ids)}))"
    cursor = _streaming_cursor(session, "duban_figures")
    cursor.execute(
        "SELECT m.indicator_id, m.month, m.value, m.cumulative, COALESCE(m.source_code, m.origin) "
        f"FROM measurement m WHERE m.town IS NULL{where} ORDER BY m.indicator_id, m.month, m.town, m.revision"
    )
    values: dict[int, Series] = {}
    origins: dict[int, set[str]] = {}
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # most indicators report the same months
    for indicator_id, group in groupby(_batches(cursor), key=itemgetter(0)):
        _, months, amounts, flags, sources = zip(*group, strict=True)
        if len(set(months)) < len(months):  # revisions: the last one of each month counts
            latest = dict(zip(months, zip(amounts, flags, strict=True), strict=True))
            months, (amounts, flags) = tuple(latest), tuple(zip(*latest.values(), strict=True))
        values[indicator_id] = Series(shared.setdefault(months, months), amounts, tuple(map(bool, flags)))
        origins[indicator_id] = set(sources)
    cursor.close()
    cursor = _streaming_cursor(session, "duban_town_figures")
    cursor.execute(
        "SELECT m.indicator_id, m.month, m.town, m.value, m.cumulative, COALESCE(m.source_code, m.origin) "
        f"FROM measurement m WHERE m.town IS NOT NULL{where} ORDER BY m.indicator_id, m.month, m.revision"
    )
    towns: dict[int, dict[str, dict[str, MonthValue]]] = defaultdict(lambda: defaultdict(dict))
    for indicator_id, month, town, value, cumulative, source in _batches(cursor):
        towns[indicator_id][town][month] = MonthValue(month, value, bool(cumulative))
        origins.setdefault(indicator_id, set()).add(source)
    cursor.close()
    # Towns in code-point order, as Python sorts: the rows arrive in whatever order the database's
    # plan and collation give (pinyin on a Chinese PostgreSQL, index order on SQLite).
    town_values = {
        i: {town: Series.of(by_town[town].values()) for town in sorted(by_town)}
        for i, by_town in towns.items()
    }
    return values, town_values, origins


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


def ints(ids: list[Any]) -> str:
    """Our own integer ids for an IN list (never user text, so inlining them is safe)."""
    return ",".join(str(int(i)) for i in ids) or "NULL"
