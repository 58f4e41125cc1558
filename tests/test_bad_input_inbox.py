"""Nasty files in a ``file`` source's inbox: each is a named failure moved to ``rejected/`` with its
reason, the other files still count, and names from outside never lead out of their folders."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from collectors.fetched import Fetched
from collectors.files import FileCollector, figures_from_file, move
from db.evidence import evidence_file, intact, write_evidence_file
from db.models import Evidence
from domain.errors import LayoutError
from tests.badfiles import patch_zip, sparse
from tests.collect_helpers import NOW, make_env
from tests.test_collectors_files import source, xlsx

GOOD = [["日期", "网络零售额(万元)", "订单数"], ["2023-09", 10, 1]]


def collect(tmp_path: Path, *, limit: int | None = None):
    env = make_env(tmp_path)
    if limit is not None:
        env = dataclasses.replace(env, max_file_bytes=limit)
    collected = FileCollector(env).collect(source(tmp_path / "inbox"), now=NOW)
    for action in collected.after_commit:
        action()
    return collected


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    xlsx(folder / "good.xlsx", GOOD)
    return folder


def reasons(inbox: Path) -> dict[str, str]:
    return {
        p.name.removesuffix(".reason.txt"): p.read_text(encoding="utf-8")
        for p in (inbox / "rejected").glob("*.reason.txt")
    }


def test_a_50_mb_export_is_rejected_unread_and_not_kept_as_evidence(inbox: Path, tmp_path: Path) -> None:
    sparse(inbox / "huge.csv", 50 * 1024 * 1024)
    collected = collect(tmp_path)
    [failure] = collected.failures
    assert "太大" in str(failure) and "50.0 MB" in str(failure) and failure.evidence is None
    assert [f.value for f in collected.figures if f.indicator == "S36"] == [10]
    assert "太大" in reasons(inbox)["huge.csv"]


def test_the_inbox_limit_comes_from_the_settings(inbox: Path, tmp_path: Path) -> None:
    collected = collect(tmp_path, limit=100)
    assert collected.figures == [] and "太大" in str(collected.failures[0])


def test_an_xlsx_that_unpacks_to_gigabytes_is_rejected(inbox: Path, tmp_path: Path) -> None:
    bomb = inbox / "bomb.xlsx"
    xlsx(bomb, GOOD)
    patch_zip(bomb, {}, extra={"xl/media/padding.bin": b"\x00" * (3 * 1024 * 1024)})
    collected = collect(tmp_path, limit=200_000)
    assert "解压后的表格内容太大" in reasons(inbox)["bomb.xlsx"]
    assert [f.value for f in collected.figures if f.indicator == "S36"] == [10]


def test_a_very_long_name_still_gets_its_reason_beside_it(inbox: Path, tmp_path: Path) -> None:
    name = "店" * 80 + ".csv"  # 244 bytes: at the file system's limit, no room for ".reason.txt"
    (inbox / name).write_bytes(b"\x00\x01garbage")
    collect(tmp_path)
    (rejected,) = [p for p in (inbox / "rejected").iterdir() if p.suffix == ".csv"]
    assert rejected.name.startswith("店" * 60) and len(rejected.name.encode()) <= 255
    assert (inbox / "rejected" / (rejected.name + ".reason.txt")).exists()


def test_a_second_file_of_the_same_long_name_is_kept_too(tmp_path: Path) -> None:
    folder, target = tmp_path / "in", tmp_path / "in" / "out"
    folder.mkdir()
    when = datetime(2023, 10, 5, 9, 0)
    for _ in range(2):
        (folder / ("表" * 83 + ".xlsx")).write_bytes(b"x")
        moved = move(folder / ("表" * 83 + ".xlsx"), target, when)
        assert moved.parent == target and len(moved.name.encode()) <= 255
    assert len(list(target.iterdir())) == 2


def test_utf16_tab_separated_text_as_excel_saves_unicode_text() -> None:
    body = "日期\t网络零售额（万元）\t订单数\r\n2023年9月\t245.5\t2996\r\n".encode("utf-16")
    fetched = Fetched("export.csv", None, "text/csv", body, NOW)
    figures = figures_from_file(fetched, "export.csv", source("unused"), {"month_header": "日期"})
    assert {(f.indicator, f.month): f.value for f in figures}[("S36", "2023-09")] == 245.5


def test_a_formula_without_a_saved_result_names_the_cell(inbox: Path, tmp_path: Path) -> None:
    xlsx(inbox / "formula.xlsx", [GOOD[0], ["2023-08", "=5*2", 1]])
    collect(tmp_path)
    reason = reasons(inbox)["formula.xlsx"]
    assert "B2" in reason and "没有保存计算结果" in reason


def test_a_formula_with_its_saved_result_is_read(tmp_path: Path) -> None:
    path = tmp_path / "formula.xlsx"
    xlsx(path, [GOOD[0], ["2023-08", "=5*2", 1]])
    patch_zip(path, {b"</f><v></v>": b"</f><v>10</v>"})
    fetched = Fetched(path.name, None, None, path.read_bytes(), NOW)
    figures = figures_from_file(fetched, path.name, source("unused"), {"month_header": "日期"})
    assert [(f.indicator, f.value) for f in figures] == [("S36", 10), ("ORD", 1)]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("garbage.xls", bytes(range(256)) * 20),
        ("garbage.xlsx", bytes(range(256)) * 20),
        ("nul.csv", b"\x00" * 500),
        ("png.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        ("empty.xlsx", b""),
        ("truncated.xlsx", b"PK\x03\x04"),
        ("stray-return.csv", b"\r\x00"),  # csv.Error inside the reader, found by hypothesis
    ],
)
def test_garbage_under_every_suffix_is_a_named_failure(name: str, body: bytes) -> None:
    fetched = Fetched(name, None, None, body, NOW)
    with pytest.raises(LayoutError) as caught:
        figures_from_file(fetched, name, source("unused"), {"month_header": "日期"})
    assert name in str(caught.value)


def test_an_empty_workbook_is_a_named_failure(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    fetched = Fetched(path.name, None, None, path.read_bytes(), NOW)
    with pytest.raises(LayoutError, match="找不到表头"):
        figures_from_file(fetched, path.name, source("unused"), {"month_header": "日期"})


@pytest.mark.parametrize(
    "origin",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "a\x00b.html",
        "x." + "y" * 300,
        "C:\\evil\\..\\x.bat",
        "f.h/../../t",
    ],
)
def test_evidence_names_never_come_from_outside(tmp_path: Path, origin: str) -> None:
    root = tmp_path / "evidence"
    digest, relative = write_evidence_file(root, b"page", origin=origin, content_type=None)
    assert relative.parent.name == digest[:2] and relative.name.startswith(digest)
    assert (root / relative).resolve().is_relative_to(root.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence"]


def test_an_edited_evidence_row_cannot_point_outside_the_store(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not evidence")
    row = Evidence(id=7, sha256="0" * 64, path="../secret.txt", origin="x", size=1, fetched_at=NOW)
    assert not intact(root, row)
    with pytest.raises(Exception, match="不在证据目录中"):
        evidence_file(root, row)
