"""Shared fixtures: an app on a fresh database in a temporary data directory.

The database is SQLite unless a test is marked ``both_databases``: then it runs twice, as
``[sqlite]`` and ``[postgres]`` (a fresh PostgreSQL database per test, see tests/postgres.py).
Tests that build their app themselves take the ``database`` fixture (None means SQLite in the
data directory) and pass it on as ``database_url``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import App
from tests.postgres import Databases, fresh_database, server_url

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_databases: run the test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def console_width_from_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the CLI's consoles read COLUMNS from each CliRunner call, as a fresh process would.

    Rich fixes a console's width from COLUMNS when the console is made, i.e. at the first import of
    bot.cli.display inside whichever test ran first; without this, one test's COLUMNS=80 would
    fold the tables of every later test that asks for 200.
    """
    display = sys.modules.get("bot.cli.display")
    if display is not None:
        for console in (display.console, display.errors):
            monkeypatch.setattr(console, "_width", None)  # None: Rich reads COLUMNS on every print


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Databases]:
    databases = Databases(server_url())
    yield databases
    databases.close()


@contextmanager
def database_for(request: pytest.FixtureRequest, backend: str) -> Iterator[str | None]:
    """A database URL for ``backend``: None (SQLite in the data directory) or a fresh PostgreSQL
    database at the head revision, dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    databases: Databases = request.getfixturevalue("postgres_databases")
    with fresh_database(databases) as url:
        yield url


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The app's database URL: SQLite unless the test is marked ``both_databases``."""
    with database_for(request, getattr(request, "param", "sqlite")) as url:
        yield url


@pytest.fixture
def app(tmp_path: Path, database: str | None) -> Iterator[App]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database)
    application = App.build(settings, {})
    application.init_database()
    yield application
    application.engine.dispose()
