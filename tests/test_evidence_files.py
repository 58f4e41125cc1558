"""Evidence files in and out (issue 16, item 7): an export never follows a link or writes outside
its folder, and ``record --evidence`` / ``close-item --evidence`` take only a regular file within
``DUBAN_MAX_FILE_MB`` — a FIFO or a device is refused at once instead of hanging or exhausting
memory."""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.clock import office_morning
from bot.wiring import App
from db.evidence import export_file
from domain.errors import ConfigurationError
from jobs.collect import collect
from jobs.import_plans import import_files
from jobs.manual import close_item, record_figure
from tests.collect_helpers import NOW, make_db, make_env
from tests.conftest import EXAMPLES
from tests.test_collect_job import backends, portal_source  # noqa: F401  (the fixture)

NOW_DAY = office_morning(date(2023, 10, 12))


def test_an_export_refuses_a_link_left_in_its_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("不能被改写", encoding="utf-8")
    target = tmp_path / "export"
    target.mkdir()
    (target / "说明.txt").symlink_to(outside)
    with pytest.raises(ConfigurationError, match="符号链接"):
        export_file(target, "说明.txt", b"new")
    assert outside.read_text(encoding="utf-8") == "不能被改写"
    (target / "old.txt").write_bytes(b"old")  # a regular file from an earlier export is replaced
    assert export_file(target, "old.txt", b"new").read_bytes() == b"new"
    with pytest.raises(ConfigurationError, match="不合法"):
        export_file(target, "../escape.txt", b"x")
    assert not (tmp_path / "escape.txt").exists()


def test_duban_evidence_export_never_writes_through_a_link(tmp_path: Path, backends) -> None:  # noqa: F811
    portal, _ = backends
    engine = make_db(tmp_path, [portal_source(portal)])
    collect(engine, _registry(), make_env(tmp_path), tmp_path / "evidence", now=NOW, environ={})
    victim = tmp_path / "victim.txt"
    victim.write_text("原样", encoding="utf-8")
    export = tmp_path / "for-evaluators"
    export.mkdir()
    (export / "说明.txt").symlink_to(victim)
    args = ["--data-dir", str(tmp_path), "evidence", "S36", "--month", "2023-09", "--export", str(export)]
    answer = CliRunner().invoke(main, args, env={"COLUMNS": "200", "DUBAN_DATABASE_URL": ""})
    assert answer.exit_code != 0 and "符号链接" in answer.output, answer.output
    assert victim.read_text(encoding="utf-8") == "原样"


def _registry():
    from collectors.registry import default_registry

    return default_registry()


@pytest.fixture
def wenxi(app: App) -> App:
    import_files(app.engine, [EXAMPLES / "wenxi.yaml", EXAMPLES / "pianguan.yaml"])
    return app


def _record(app: App, proof: Path, **options) -> object:
    return record_figure(
        app,
        project="wenxi",
        indicator="S36",
        month="2023-10",
        value=260,
        unit=None,
        cumulative=False,
        evidence=proof,
        note=None,
        now=NOW_DAY,
        **options,
    )


def _within(seconds: float, call) -> BaseException | None:
    """Run ``call`` in a thread; what it raised, or a failure if it is still running (a hang)."""
    caught: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:  # handed back to the test
            caught.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still reading after {seconds} s: it hangs")
    return caught[0] if caught else None


def test_a_fifo_as_evidence_is_refused_at_once(wenxi: App, tmp_path: Path) -> None:
    fifo = tmp_path / "截图.png"
    os.mkfifo(fifo)
    try:
        error = _within(5, lambda: _record(wenxi, fifo))
        assert isinstance(error, ConfigurationError) and "不是普通文件" in str(error)
    finally:
        _release(fifo)


def _release(fifo: Path) -> None:
    """Give a reader left waiting on ``fifo`` (by code that hangs) its end of file."""
    with contextlib.suppress(OSError):  # no reader waiting
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_device_as_evidence_is_refused(wenxi: App) -> None:
    error = _within(5, lambda: _record(wenxi, Path("/dev/zero"), max_bytes=1024 * 1024))
    assert isinstance(error, ConfigurationError) and "不是普通文件" in str(error)


def test_evidence_over_the_file_limit_is_refused(wenxi: App, tmp_path: Path) -> None:
    big = tmp_path / "报表.pdf"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(ConfigurationError, match="DUBAN_MAX_FILE_MB"):
        _record(wenxi, big, max_bytes=1024)
    with pytest.raises(ConfigurationError, match="不是普通文件"):
        close_item(
            wenxi,
            project="pianguan",
            batch="",
            number="1",
            result="已整改",
            evidence=tmp_path,
            now=NOW_DAY,
        )
    assert _record(wenxi, big, max_bytes=4096) is not None  # within the limit: kept


def test_the_cli_applies_duban_max_file_mb_to_evidence(wenxi: App, tmp_path: Path) -> None:
    big = tmp_path / "截图.png"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    args = ["--data-dir", str(wenxi.settings.data_dir), "record", "S36", "--project", "wenxi"]
    args += ["--month", "2023-10", "--value", "260", "--evidence", str(big)]
    env = {"DUBAN_MAX_FILE_MB": "1", "DUBAN_DATABASE_URL": wenxi.settings.db_url, "COLUMNS": "200"}
    answer = CliRunner().invoke(main, args, env=env)
    assert answer.exit_code != 0 and "DUBAN_MAX_FILE_MB" in answer.output, answer.output
