"""Every message of the five examples at fixed dates, compared in full with tests/golden/.

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


def test_approved_messages_keep_the_house_rules() -> None:
    """Read over every approved message: the slips of issue 15 do not come back."""
    files = sorted(GOLDEN.glob("*/*.txt"))
    assert len(files) >= 15
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "）（" not in text, path  # 2023年10月15日（星期日）（逾期 1 天…
        assert "以下 1 项" not in text, path
        assert not any(f" {m} 月" in text for m in range(1, 13)), path  # 截至 9 月 beside 2023年6月
        assert "按时限落实" not in text and "已同时报告" not in text, path
        if "【销号通知】" in text.splitlines()[0]:
            assert "请" not in text.split("已解决", 1)[1], path  # a resolution asks nothing
        if "【逾期上报】" in text.splitlines()[0]:
            assert all(word in text for word in ("督促", "约谈", "调整时限", "已在工作群提醒")), path
