"""silences by matcher: one table for every silence, single-alert silences moved into it

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03 07:50:00

An alert silenced before this revision (state ``silenced`` with ``silenced_until``) becomes a
silence of its own key with the same end, reason and author, and the alert is open again: the
silence, not the alert's state, now keeps it quiet. ``alert.silenced_until`` goes.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import db.types

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREVER = datetime(2099, 12, 31, 16, 0, tzinfo=UTC)  # a silence without an end kept its alert quiet


def upgrade() -> None:
    op.create_table(
        "silence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("person", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("alert_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("starts_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expired_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("silence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_silence_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_silence_project_id"), ["project_id"], unique=False)
    _move_alert_silences()
    op.drop_column("alert", "silenced_until")  # SQLite ≥ 3.35 drops columns in place


def _move_alert_silences() -> None:
    bind = op.get_bind()
    alert = sa.table(
        "alert",
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("project_id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("state_reason", sa.String()),
        sa.column("silenced_until", db.types.UTCDateTime(timezone=True)),
    )
    event = sa.table(
        "alertevent",
        sa.column("alert_id", sa.Integer()),
        sa.column("event", sa.String()),
        sa.column("at", db.types.UTCDateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("id", sa.Integer()),
    )
    silence = sa.table(
        "silence",
        *(sa.column(name, sa.String()) for name in ("alert_key", "created_by", "reason")),
        sa.column("project_id", sa.Integer()),
        *(
            sa.column(name, db.types.UTCDateTime(timezone=True))
            for name in ("starts_at", "ends_at", "created_at")
        ),
    )
    now = datetime.now(UTC)
    silenced = bind.execute(sa.select(alert).where(alert.c.state == "silenced")).mappings().all()
    for row in silenced:
        last = bind.execute(
            sa.select(event.c.at, event.c.actor)
            .where(event.c.alert_id == row["id"], event.c.event == "silenced")
            .order_by(event.c.id.desc())
            .limit(1)
        ).first()
        bind.execute(
            silence.insert().values(
                project_id=row["project_id"],
                alert_key=row["key"],
                starts_at=last.at if last else now,
                ends_at=row["silenced_until"] or FOREVER,
                created_at=last.at if last else now,
                created_by=last.actor if last else None,
                reason=row["state_reason"] or "静默",
            )
        )
        bind.execute(alert.update().where(alert.c.id == row["id"]).values(state="open"))


def downgrade() -> None:
    op.add_column("alert", sa.Column("silenced_until", db.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("silence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_silence_project_id"))
        batch_op.drop_index(batch_op.f("ix_silence_ends_at"))
    op.drop_table("silence")
