"""``--json``: a JSON array written one element per line, as the rows come (never held whole).

A reader may parse the whole output (``json.load``) or take it line by line: every line but the
brackets is one complete object followed by a comma. Each row is flushed as it is written, so a
pipe (``| jq``, ``| head``) sees the first row before the last is produced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO


def write_rows(rows: Iterable[Mapping[str, Any]], stream: TextIO) -> int:
    """Write ``rows`` to ``stream`` as a JSON array, row by row; the number of rows written."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # one for every row, as
    # ``json.dumps`` with these options would build anew for each of a province's 80,000 rows
    count = 0
    stream.write("[")
    for row in rows:
        stream.write(("\n" if count == 0 else ",\n") + encode(row))
        stream.flush()
        count += 1
    stream.write("\n]\n" if count else "]\n")
    stream.flush()
    return count
