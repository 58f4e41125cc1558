"""reply links and the 整改结果 submitted through them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replylink",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_replylink_person_id_person"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("replylink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replylink_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_replylink_person_id"), ["person_id"], unique=False)
    op.create_table(
        "itemsubmission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("link_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("evidence_ids", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "approved", "returned", name="submissionstate", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("submitted_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["rectificationitem.id"], name="fk_itemsubmission_item_id_rectificationitem"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name="fk_itemsubmission_person_id_person"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("itemsubmission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_itemsubmission_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_itemsubmission_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_itemsubmission_submitted_at"), ["submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("itemsubmission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_itemsubmission_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_itemsubmission_person_id"))
        batch_op.drop_index(batch_op.f("ix_itemsubmission_item_id"))
    op.drop_table("itemsubmission")
    with op.batch_alter_table("replylink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replylink_person_id"))
        batch_op.drop_index(batch_op.f("ix_replylink_expires_at"))
    op.drop_table("replylink")
