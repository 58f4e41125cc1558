"""Every SQL statement lives in ``db/``: the pipeline and the application call its functions.

Sessions may still be opened (and committed) by jobs and the app, which own the transaction; what
they may not do is build a query or add, get or delete a row themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"(?<![.\w])(?:select|update|delete|insert)\("  # SQLAlchemy's statements, not dict.update()
    r"|session\.(?:exec|execute|add|get|delete|merge)\(|\.query\("
)
# The web page's signed cookie is a dict called ``session`` too; reading its keys is not SQL.
COOKIE = re.compile(r"session\.get\([\"']")


def sql_lines(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = COOKIE.sub("", line.split("#", 1)[0])
        if SQL.search(code):
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("package", ["bot", "jobs"])
def test_no_sql_outside_the_store(package: str) -> None:
    offending = [line for path in sorted((ROOT / package).rglob("*.py")) for line in sql_lines(path)]
    assert offending == [], "SQL belongs in a db/ module:\n" + "\n".join(offending)


def test_the_pattern_sees_sql() -> None:
    assert SQL.search("rows = session.exec(select(Alert))")
    assert SQL.search("session.add(row)")
    assert not SQL.search(COOKIE.sub("", 'born = session.get("born")'))
    assert not SQL.search("counts.update(figures=3)")  # a dict's update is not SQL
