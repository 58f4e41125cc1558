"""Alembic environment: the engine comes from duban (``db.engine.upgrade``) or DUBAN_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db.engine import make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(
    os.environ.get("DUBAN_DATABASE_URL", "sqlite:///data/duban.db")
)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
