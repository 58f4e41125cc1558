"""Shared fixtures: an app on a fresh SQLite database in a temporary data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    settings = Settings(data_dir=tmp_path / "data")
    application = App.build(settings, {})
    application.init_database()
    yield application
    application.engine.dispose()
