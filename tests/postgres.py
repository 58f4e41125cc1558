"""Fresh PostgreSQL databases for the tests, on the server named by DUBAN_TEST_POSTGRES_URL.

``scripts/with-postgres`` starts a throwaway server and sets the variable (``.ci/run`` does this
before ``make test``). Each test gets its own database, copied from a template that was migrated
to the head revision once per session, so a test costs a CREATE DATABASE rather than a migration.

Without the variable the PostgreSQL variants are skipped with the reason — except in CI
(``CI=true``), where a missing server must fail the run, not quietly shrink it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from db.engine import make_engine, upgrade

URL_VARIABLE = "DUBAN_TEST_POSTGRES_URL"


def server_url() -> URL:
    """The configured server, or skip (locally) / fail (in CI) the calling test."""
    raw = os.environ.get(URL_VARIABLE, "")
    if not raw:
        reason = (
            f"{URL_VARIABLE} is not set: PostgreSQL tests need a server "
            "(install Debian's postgresql package and run `make test`, or scripts/with-postgres COMMAND)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return make_url(raw)


class Databases:
    """Creates and drops databases on the server; keeps one migrated template per session."""

    def __init__(self, server: URL) -> None:
        self.server = server
        self.prefix = f"duban_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._admin: Engine | None = None
        self._template: str | None = None

    @property
    def admin(self) -> Engine:
        if self._admin is None:  # CREATE/DROP DATABASE cannot run inside a transaction
            self._admin = create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return self._admin

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool = True) -> str:
        """A new database: at the head revision (from the template), or empty; returns its URL."""
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        template = self._migrated_template() if migrated else "template0"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _migrated_template(self) -> str:
        if self._template is None:
            name = f"{self.prefix}_template"
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "template0"'))
            engine = make_engine(self.url(name), poolclass=NullPool)
            upgrade(engine)
            engine.dispose()  # a template may have no connections while it is copied
            self._template = name
        return self._template

    def close(self) -> None:
        if self._template is not None:
            self.drop(self.url(self._template))
        if self._admin is not None:
            self._admin.dispose()


@contextmanager
def fresh_database(databases: Databases, *, migrated: bool = True) -> Iterator[str]:
    url = databases.create(migrated=migrated)
    try:
        yield url
    finally:
        databases.drop(url)
