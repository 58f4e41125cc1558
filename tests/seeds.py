"""The real documents the example plans were copied from, in ``shared/seeds/``.

The repository is cloned beside ``shared/`` (as CI does); ``DUBAN_SEEDS`` names the folder when
it lives elsewhere. A missing seed fails the test that needs it: it is never skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

SEEDS = Path(os.environ.get("DUBAN_SEEDS") or Path(__file__).resolve().parents[2] / "shared" / "seeds")


def read_seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.fail(f"找不到原始文件 {path}：仓库应与 shared/ 并列克隆，或用 DUBAN_SEEDS 指明其目录")
    return path.read_text(encoding="utf-8")


def squash(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines and spaces words at random."""
    return re.sub(r"\s+", "", text)
