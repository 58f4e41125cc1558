"""collection work items shared by several instances on PostgreSQL

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum("pending", "claimed", "done", name="workstatus", native_enum=False, length=24)


def upgrade() -> None:
    op.create_table(
        "collectround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("deadline", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "collectitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("project_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lane", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("figures", sa.Integer(), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("filings", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("finished_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["collectround.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_collectitem_round_id"), "collectitem", ["round_id"], unique=False)
    op.create_index(op.f("ix_collectitem_status"), "collectitem", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_collectitem_status"), table_name="collectitem")
    op.drop_index(op.f("ix_collectitem_round_id"), table_name="collectitem")
    op.drop_table("collectitem")
    op.drop_table("collectround")
