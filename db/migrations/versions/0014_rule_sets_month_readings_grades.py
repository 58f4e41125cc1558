"""rule sets: batches of a provincial notice, the batches a project is in, its grade bands; per
indicator a month-only due date's reading and words, points, the standard it is part of and the
batch it came from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "rulebatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", TEXT(), nullable=False),
        sa.Column("ruleset", TEXT(), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("document", TEXT(), nullable=True),
        sa.Column("source_file", TEXT(), nullable=True),
        sa.Column("counties", sa.JSON(), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("grades", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_rulebatch_code"), "rulebatch", ["code"], unique=True)
    # Existing projects are in no batch and have no grade bands; existing indicators keep their dates.
    op.add_column("project", sa.Column("applies", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("project", sa.Column("grade_bands", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("indicator", sa.Column("due_reading", TEXT(), nullable=True))
    op.add_column("indicator", sa.Column("due_text", TEXT(), nullable=True))
    op.add_column("indicator", sa.Column("points", sa.Float(), nullable=True))
    op.add_column("indicator", sa.Column("part_of", TEXT(), nullable=True))
    op.add_column("indicator", sa.Column("ruleset", TEXT(), nullable=True))


def downgrade() -> None:
    for column in ("ruleset", "part_of", "points", "due_text", "due_reading"):
        op.drop_column("indicator", column)  # SQLite ≥ 3.35 drops columns in place
    op.drop_column("project", "grade_bands")
    op.drop_column("project", "applies")
    op.drop_index(op.f("ix_rulebatch_code"), table_name="rulebatch")
    op.drop_table("rulebatch")
