"""A data disk that is full or read-only: every command says which it is and where, and
``duban status`` still shows the overview, reading the database without writing a byte.

The disk is a real tmpfs mounted on the test's folder (filled to the last byte, or remounted
read-only), so the kernel itself answers ENOSPC or EROFS. That needs root (as here and in CI);
chmod alone does not stop root from writing, so without mount the read-only case falls back to
chmod where that stops this user, and the tests are skipped where neither works.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import App
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES
from tests.test_cli import duban
from tests.test_faults_local import fill

RECORD = ("record", "S36", "--project", "pianguan", "--month", "2023-09", "--value", "5")


def county_data(folder: Path) -> Path:
    """A data folder with the 偏关 plan imported, closed (no -wal or -shm left)."""
    data = folder / "data"
    app = App.build(Settings(data_dir=data), {})
    app.init_database()
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    app.engine.dispose()
    return data


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of its own for the data folder, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)]
    if subprocess.run(command, capture_output=True, check=False).returncode != 0:
        mount.rmdir()
        yield tmp_path / "nodisk"
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_read_only_database_is_named_and_status_still_reads_it(tmp_path: Path, disk: Path) -> None:
    source = county_data(tmp_path / "source")
    if disk.exists():
        data = Path(shutil.copytree(source, disk / "data"))
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    else:
        data = Path(shutil.copytree(source, tmp_path / "ro"))
        (data / "duban.db").chmod(0o444)
        data.chmod(0o555)
        if os.access(data / "duban.db", os.W_OK):
            pytest.skip("root without mount: chmod does not stop root from writing, and no tmpfs")
    before = digest(data)

    status = duban(data, "status", "--as-of", "2023-10-12")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "偏关县" in status.stdout
    assert "17" in status.stdout  # the seventeen rectification items, read from the file

    record = duban(data, *RECORD)
    assert record.returncode == 1
    said = record.stdout + record.stderr
    assert f"数据库文件 {data / 'duban.db'} 所在的磁盘是只读的" in said.replace("\n", "")
    assert "DUBAN_DATABASE_URL" not in said and "Traceback" not in said
    assert digest(data) == before  # nothing written, no -wal or -shm made


def test_a_full_disk_is_named_and_status_still_reads_it(tmp_path: Path, disk: Path) -> None:
    if not disk.exists():
        pytest.skip("a full disk needs a tmpfs (mount, as root)")
    data = Path(shutil.copytree(county_data(tmp_path / "source"), disk / "data"))
    fill(disk / "filler")

    record = duban(data, *RECORD)
    said = (record.stdout + record.stderr).replace("\n", "")
    assert record.returncode == 1
    assert f"数据库文件 {data / 'duban.db'} 所在的磁盘已满" in said
    assert "连不上数据库" not in said and "Traceback" not in said

    status = duban(data, "status", "--as-of", "2023-10-12")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "17" in status.stdout
