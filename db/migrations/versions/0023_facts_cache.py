"""facts cache: each project's facts kept between runs, valid while a per-project stamp is unchanged

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 11:10:00

``factsstamp`` holds one counter per project; triggers add one whenever a row its facts are read
from is inserted, updated or deleted, by anyone: the project itself, its indicators and their
targets and figures, its rectification items, sources, collection attempts and report filings.
Evidence rows are only ever added (a proof is linked by the row that uses it, which counts); an
update or delete of one counts for every project. ``factscache`` keeps each project's facts as the
last run loaded them, with the stamp read before loading: a copy whose stamp is no longer the
project's is stale and is loaded again.

SQLite fires its triggers per row; PostgreSQL per statement, over the statement's transition
tables, so a collection's thousand figures or a bulk COPY count once per project. On PostgreSQL a
stamp is drawn from a sequence rather than counted up: a sequence never hands out a number twice,
even to a transaction that rolls back, so a copy loaded while another transaction's uncommitted
change was in the air can never match a stamp that is committed later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the column naming the row's project, or None for a row tied through its indicator)
TIED = (
    ("project", "id"),
    ("indicator", "project_id"),
    ("indicatortarget", None),
    ("measurement", None),
    ("rectificationitem", "project_id"),
    ("source", "project_id"),
    ("collectionattempt", "project_id"),
    ("reportfiling", "project_id"),
)
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP_ALL = "UPDATE factsstamp SET stamp = stamp + 1"


def upgrade() -> None:
    op.create_table(
        "factsstamp",
        sa.Column("project_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "factscache",
        sa.Column("project_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("facts", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.execute("INSERT INTO factsstamp (project_id, stamp) SELECT id, 0 FROM project")
    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table, column in TIED:
        for event in EVENTS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            body = " ".join(_sqlite_bump(_sqlite_project(row, column)) for row in rows)
            op.execute(
                f"CREATE TRIGGER factsstamp_{table}_{event.lower()} AFTER {event} ON {table} BEGIN {body} END"
            )
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER factsstamp_evidence_{event.lower()} AFTER {event} ON evidence BEGIN {BUMP_ALL}; END"
        )


def _sqlite_project(row: str, column: str | None) -> str:
    if column is None:
        return f"(SELECT project_id FROM indicator WHERE id = {row}.indicator_id)"
    return f"{row}.{column}"


def _sqlite_bump(project: str) -> str:
    return (
        f"INSERT INTO factsstamp (project_id, stamp) SELECT {project}, 1 WHERE {project} IS NOT NULL "
        "ON CONFLICT (project_id) DO UPDATE SET stamp = stamp + 1;"
    )


def _postgres_triggers() -> None:
    # Pickled figures hardly compress: kept out of line as they are, read without inflating.
    op.execute("ALTER TABLE factscache ALTER COLUMN facts SET STORAGE EXTERNAL")
    op.execute("CREATE SEQUENCE factsstamp_seq")
    for table, column in TIED:
        for event in EVENTS:
            name = f"factsstamp_{table}_{event.lower()}"
            tables = {"INSERT": ("new_rows",), "UPDATE": ("old_rows", "new_rows"), "DELETE": ("old_rows",)}[
                event
            ]
            rows = " UNION ".join(f"SELECT {column or 'indicator_id'} AS tied FROM {t}" for t in tables)
            projects = (
                f"SELECT r.tied AS project_id FROM ({rows}) r"
                if column
                else f"SELECT i.project_id FROM ({rows}) r JOIN indicator i ON i.id = r.tied"
            )
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO factsstamp (project_id, stamp) SELECT p.project_id, nextval('factsstamp_seq') "
                f"FROM (SELECT DISTINCT project_id FROM ({projects}) q WHERE project_id IS NOT NULL) p "
                "ON CONFLICT (project_id) DO UPDATE SET stamp = EXCLUDED.stamp; RETURN NULL; END $$"
            )
            referencing = " ".join(f"{'OLD' if t == 'old_rows' else 'NEW'} TABLE AS {t}" for t in tables)
            op.execute(
                f'CREATE TRIGGER {name} AFTER {event} ON "{table}" REFERENCING {referencing} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    op.execute(
        "CREATE FUNCTION factsstamp_evidence() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE factsstamp SET stamp = nextval('factsstamp_seq'); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER factsstamp_evidence AFTER UPDATE OR DELETE ON evidence "
        "FOR EACH STATEMENT EXECUTE FUNCTION factsstamp_evidence()"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, _ in TIED:
        for event in EVENTS:
            name = f"factsstamp_{table}_{event.lower()}"
            if postgres:
                op.execute(f'DROP TRIGGER {name} ON "{table}"')
                op.execute(f"DROP FUNCTION {name}()")
            else:
                op.execute(f"DROP TRIGGER {name}")
    if postgres:
        op.execute("DROP TRIGGER factsstamp_evidence ON evidence")
        op.execute("DROP FUNCTION factsstamp_evidence()")
        op.execute("DROP SEQUENCE factsstamp_seq")
    else:
        op.execute("DROP TRIGGER factsstamp_evidence_update")
        op.execute("DROP TRIGGER factsstamp_evidence_delete")
    op.drop_table("factscache")
    op.drop_table("factsstamp")
