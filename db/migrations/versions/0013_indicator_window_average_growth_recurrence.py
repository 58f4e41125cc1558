"""plan format 2, the indicator's own time: a window, the average annual growth over it, and
deliverables due each period, figures that are only a reference (沁县)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 04:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECURRENCE = sa.Enum(
    "monthly", "quarterly", "half_yearly", "yearly", name="recurrence", native_enum=False, length=24
)


def upgrade() -> None:
    # Existing indicators keep today's behaviour: the plan's own dates, year-over-year, once.
    op.add_column("indicator", sa.Column("window_start", sa.Date(), nullable=True))
    op.add_column("indicator", sa.Column("window_end", sa.Date(), nullable=True))
    op.add_column("indicator", sa.Column("average", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("indicator", sa.Column("recurs", RECURRENCE, nullable=True))
    op.add_column("indicator", sa.Column("grace_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("indicator", sa.Column("figure", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("indicator", "figure")  # SQLite ≥ 3.35 drops columns in place
    op.drop_column("indicator", "grace_days")
    op.drop_column("indicator", "recurs")
    op.drop_column("indicator", "average")
    op.drop_column("indicator", "window_end")
    op.drop_column("indicator", "window_start")
