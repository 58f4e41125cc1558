"""webgrant: web users scoped to projects; staff become administrators, leaders province read-only

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 07:50:00

Before this revision every web user saw every project: ``staff`` could change everything and
``leader`` read everything. They keep exactly that: ``staff`` becomes ``admin`` and ``leader``
becomes ``province`` (reads every project, changes none). New users may instead be ``member``,
who see only the projects granted to them in ``webgrant``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENAMED = {"staff": "admin", "leader": "province"}


def upgrade() -> None:
    op.create_table(
        "webgrant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("coordinator", "staff", "read_only", name="projectrole", native_enum=False, length=24),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["webuser.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "project_id"),
    )
    with op.batch_alter_table("webgrant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webgrant_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webgrant_project_id"), ["project_id"], unique=False)
    _rename_roles(RENAMED)


def downgrade() -> None:
    # A member had no equivalent before: they go back as read-only (leader), never as staff.
    op.execute(sa.text("UPDATE webuser SET role = 'province' WHERE role = 'member'"))
    _rename_roles({new: old for old, new in RENAMED.items()})
    with op.batch_alter_table("webgrant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webgrant_project_id"))
        batch_op.drop_index(batch_op.f("ix_webgrant_user_id"))
    op.drop_table("webgrant")


def _rename_roles(names: dict[str, str]) -> None:
    for old, new in names.items():
        op.execute(sa.text("UPDATE webuser SET role = :new WHERE role = :old").bindparams(old=old, new=new))
