"""change stamp: triggers count every change the evaluation reads, so a run with nothing new is skipped

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 07:40:00

Every table the evaluation reads gets triggers that add one to ``changestamp`` (a single row) on
INSERT, UPDATE and DELETE. Three tables the evaluation also writes are watched only for changes
made by someone else, so the evaluation's own writes never count as news:

* ``alert`` — on DELETE; acknowledging and silencing always add an ``alertevent`` without an as-of
  day, which is counted there (the evaluation's events always carry the day judged);
* ``alertevent`` — on INSERT without an as-of day, and on UPDATE and DELETE;
* ``delivery`` — on DELETE and on a changed ``dedup_key`` (the evaluation asks only whether a
  digest's dedup key is already queued; sending updates rows all the time and is not news).

The lists are frozen here as of this revision; ``db/change_stamp.py`` holds the living ones and
``tests/test_change_stamp.py`` fails when a table has no trigger and no reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = (
    "project", "person", "channel", "subscription", "source", "indicator", "rulebatch",
    "indicatortarget", "rectificationitem", "itemchange", "itemsubmission",
    "measurement", "evidence", "collectionattempt", "reportfiling", "silence",
)  # fmt: skip
# (table, trigger suffix, SQLite event, PostgreSQL event and level, condition on the row)
PARTLY = (
    ("alert", "delete", "DELETE", "DELETE", None),
    ("alertevent", "insert", "INSERT", "INSERT", "NEW.as_of IS NULL"),
    ("alertevent", "update", "UPDATE", "UPDATE", None),
    ("alertevent", "delete", "DELETE", "DELETE", None),
    ("delivery", "delete", "DELETE", "DELETE", None),
    ("delivery", "dedup", "UPDATE OF dedup_key", "UPDATE OF dedup_key", None),
)
BUMP = "UPDATE changestamp SET stamp = stamp + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "changestamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "evaluationmark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("judged_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settings", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=True),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO changestamp (id, stamp) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"changestamp_{table}_{event.lower()}"
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")
    for table, suffix, event, _, condition in PARTLY:
        when = f" WHEN {condition}" if condition else ""
        op.execute(
            f"CREATE TRIGGER changestamp_{table}_{suffix} AFTER {event} ON {table}{when} BEGIN {BUMP}; END"
        )


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION duban_bump_change_stamp() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table in WATCHED:  # once per statement: a collection's thousand figures count once
        op.execute(
            f'CREATE TRIGGER changestamp_{table} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION duban_bump_change_stamp()"
        )
    for table, suffix, _, event, condition in PARTLY:
        level = f"FOR EACH ROW WHEN ({condition})" if condition else "FOR EACH STATEMENT"
        op.execute(
            f'CREATE TRIGGER changestamp_{table}_{suffix} AFTER {event} ON "{table}" '
            f"{level} EXECUTE FUNCTION duban_bump_change_stamp()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f'DROP TRIGGER changestamp_{table} ON "{table}"')
        for table, suffix, *_ in PARTLY:
            op.execute(f'DROP TRIGGER changestamp_{table}_{suffix} ON "{table}"')
        op.execute("DROP FUNCTION duban_bump_change_stamp()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER changestamp_{table}_{event}")
        for table, suffix, *_ in PARTLY:
            op.execute(f"DROP TRIGGER changestamp_{table}_{suffix}")
    op.drop_table("evaluationmark")
    op.drop_table("changestamp")
