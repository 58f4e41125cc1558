"""plan format 2: reporting cadence, approx tolerance, alternatives and the rectification item
per indicator; the rectification plan's issue date per project

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 00:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CADENCE = sa.Enum("monthly", "quarterly", "yearly", "once", name="cadence", native_enum=False, length=24)


def upgrade() -> None:
    # Existing indicators keep today's behaviour: a figure every month, no alternatives.
    op.add_column("indicator", sa.Column("cadence", CADENCE, nullable=False, server_default="monthly"))
    op.add_column("indicator", sa.Column("tolerance", sa.Float(), nullable=True))
    op.add_column("indicator", sa.Column("item", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column("indicator", sa.Column("alternatives", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("project", sa.Column("rectification_issued", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("project", "rectification_issued")  # SQLite ≥ 3.35 drops columns in place
    op.drop_column("indicator", "alternatives")
    op.drop_column("indicator", "item")
    op.drop_column("indicator", "tolerance")
    op.drop_column("indicator", "cadence")
