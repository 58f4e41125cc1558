"""``pip install .`` outside the repository still runs ``duban demo``: the examples are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("pianguan.yaml", "zhaohua.yaml", "wenxi.yaml", "qinxian.yaml", "pianguan-ledger.xlsx")


def test_the_wheel_carries_the_examples_and_its_demo_runs_from_them(tmp_path: Path) -> None:
    """Builds the wheel as ``pip install .`` would (its build backend comes from the package index;
    skipped, with the reason, where none can be reached), then runs the demo from the unpacked
    wheel in a folder far from the repository."""
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build the wheel here (no package index?): {build.stderr.strip()[-300:]}")
    (wheel,) = dist.glob("duban-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"bot/demo/examples/{name}" for name in EXAMPLES} <= names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    environ.update(PYTHONPATH=str(site), COLUMNS="200")
    demo = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=elsewhere,
        timeout=120,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    assert f"{site}/bot/demo/examples/pianguan.yaml（方案格式第 2 版） → 项目 pianguan" in demo.stdout
    assert (elsewhere / "data" / "duban.db").exists()
