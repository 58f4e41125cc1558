"""Alembic environment: the engine comes from duban (``db.engine.upgrade``) or DUBAN_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db.engine import make_engine

# Every command upgrades first, so on the day a new version starts the service, a terminal and
# the web page may all migrate at once. Each waits here for the one before it, then finds the
# schema current: PostgreSQL by an advisory lock held until the transaction ends, SQLite by
# taking the write lock up front (Python's sqlite3 would otherwise begin no transaction before DDL).
MIGRATION_LOCK = 0x647562616E  # "duban"

config = context.config
engine = config.attributes.get("engine") or make_engine(
    os.environ.get("DUBAN_DATABASE_URL", "sqlite:///data/duban.db")
)

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
