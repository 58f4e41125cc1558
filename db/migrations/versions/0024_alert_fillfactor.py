"""alert pages left more than half free on PostgreSQL, so the daily "seen again" update stays on its page

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 14:20:00

Every open alert is updated on every daily run (``last_seen_at``, ``last_as_of``): nationally some
57,000 rows. On full pages PostgreSQL writes each new row version to another page and adds it to
all three of the table's indexes; with room left on the page the update is a heap-only tuple and
leaves the indexes alone. Pages filled to 45 % have room for a new version of every row on them
(the old ones are pruned by the next update or vacuum). Measured on the national bench's copy:
1.15–1.33 s with full pages, 0.60–0.74 s at 60 %, 0.34–0.39 s at 45 % (every update heap-only;
the table grows from 22 to 41 MB).

The setting applies to pages written from now on; an installation upgraded with a full table gets
there as autovacuum frees space, or at once with ``VACUUM FULL alert`` (docs/postgres.md).
SQLite has no such setting: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = 45


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE alert SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE alert RESET (fillfactor)")
