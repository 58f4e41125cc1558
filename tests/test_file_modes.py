"""What duban writes on disk is readable by the service's user only, whatever the umask lets
through: the data folder and every folder under it 0700, the SQLite database (and its -wal and
-shm files) and every evidence file 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.backend import running_backend
from bot.settings import Settings
from bot.wiring import App
from tests.webkit import county


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created readable by every local user."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_folders_and_evidence_are_private(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "var" / "duban"  # a data folder that does not exist yet, nor its parent
    app = App.build(Settings(data_dir=data), {})
    try:
        app.init_database()
        with running_backend() as backend:
            county(app, backend)
    finally:
        app.engine.dispose()
    assert mode(data) == 0o700
    database = [data / "duban.db", *(data / f"duban.db-{end}" for end in ("wal", "shm"))]
    kept = [p for p in database if p.exists()]
    assert {p.name: oct(mode(p)) for p in kept} == {p.name: oct(0o600) for p in kept}
    assert (data / "duban.db").exists()
    evidence = app.settings.evidence_dir
    folders = [evidence, *(p for p in evidence.rglob("*") if p.is_dir())]
    files = [p for p in evidence.rglob("*") if p.is_file()]
    assert len(folders) > 1 and files, "the cycle fetched pages and kept them as evidence"
    assert {str(p): oct(mode(p)) for p in folders} == {str(p): oct(0o700) for p in folders}
    assert {str(p): oct(mode(p)) for p in files} == {str(p): oct(0o600) for p in files}


def test_an_existing_database_keeps_the_mode_its_operator_gave_it(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o750)
    (data / "duban.db").touch(mode=0o640)
    app = App.build(Settings(data_dir=data), {})
    app.init_database()
    app.engine.dispose()
    assert mode(data) == 0o750 and mode(data / "duban.db") == 0o640
