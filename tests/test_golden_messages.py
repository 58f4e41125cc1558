"""Every message of the three examples at fixed dates, compared in full with tests/golden/.

What is compared is what a county official receives: subject, body and the email's plain-text
alternative (tests/golden_world.py says which days of which story). A change to any template shows
up here as a diff to read. To accept a change on purpose, regenerate and read every changed file:

    DUBAN_GOLDEN_UPDATE=1 PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_golden_messages.py
    git diff tests/golden/
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.golden_world import GOLDEN, SCENARIOS, render_scenario

UPDATE = os.environ.get("DUBAN_GOLDEN_UPDATE") == "1"


@pytest.mark.parametrize("example", sorted(SCENARIOS))
def test_messages_read_as_approved(example: str, tmp_path: Path) -> None:
    rendered = {r.name: r.text for r in render_scenario(SCENARIOS[example], tmp_path)}
    folder = GOLDEN / example
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for name, text in rendered.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8")
    stored = {f"{example}/{p.name}": p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    assert sorted(rendered) == sorted(stored), "messages sent on other days or channels than approved"
    for name, text in rendered.items():
        assert text == stored[name], f"{name} differs from tests/golden/{name}"
