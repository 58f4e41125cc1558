"""Nasty plan files: every one is refused with a clear error naming where, and nothing is imported.

Each case is imported together with a good plan file, so "nothing partial" covers the other files
of the same import too; the database is compared row by row before and after.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import App
from domain.errors import PlanFileError
from jobs.import_plans import import_files
from tests.badfiles import sparse
from tests.dbdump import dump
from tests.test_plan_import import MINIMAL, items

GOOD = MINIMAL.replace("code: demo", "code: other")


INDICATOR = """\
indicators:
  - code: S36
    name: 网络零售额
    unit: 万元
    target: {}
"""


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nproject: *a{levels}\n"


def deeply_nested(depth: int) -> str:
    return MINIMAL + "extra: " + "[" * depth + "]" * depth + "\n"


BAD_TEXT: list[tuple[str, str, str, int | None]] = [
    # (case, YAML text, words in the error, line)
    ("top-level list", "- project: x\n", "映射", 1),
    ("empty file", "", "映射", 1),
    (
        "rectification as a list",
        MINIMAL.split("rectification:")[0] + "rectification:\n  - year: 2023\n",
        "应为映射",
        15,
    ),
    ("a number where a list goes", MINIMAL.replace("members: [高权]", "members: 12"), "应为列表", 12),
    ("infinite target", MINIMAL.split("rectification:")[0] + INDICATOR.format(".inf"), "有限", None),
    ("NUL byte", MINIMAL.replace("实施方案未报备", "实施方案\x00未报备"), "U+0000", 19),
    ("escape sequence", MINIMAL.replace("实施方案未报备", "实施方案\x1b[2J未报备"), "U+001B", 19),
    ("bell as a YAML escape", MINIMAL.replace("problem: 实施方案未报备", 'problem: "响铃\\a"'), "U+0007", 19),
    ("bidi override", MINIMAL.replace("name: 演示县乡村e镇", 'name: "演示县\\u202e镇e村乡"'), "U+202E", 3),
    ("very long text", MINIMAL.replace("实施方案未报备", "很长" * 3000), "文字太长", 19),
    ("billion laughs", billion_laughs(), "展开后的内容过大", None),
    ("recursive anchor", MINIMAL + "extra: &loop [*loop]\n", "嵌套层数过深", None),
    ("deep nesting", deeply_nested(50), "嵌套层数过深", None),
    ("deeper than the parser", deeply_nested(1500), "嵌套层数过深", None),
    ("year 3023", MINIMAL.replace("deadline: 10月底", "deadline: 3023-10-31"), "3023", 21),
    ("Excel serial in YAML", MINIMAL.replace("deadline: 10月底", "deadline: 45214"), "无法识别的日期", 21),
    ("tab indentation", MINIMAL.replace("  code: demo", "\tcode: demo"), "YAML", 2),
]


@pytest.mark.parametrize(("text", "words", "line"), [c[1:] for c in BAD_TEXT], ids=[c[0] for c in BAD_TEXT])
def test_bad_plan_text_is_refused_and_nothing_imported(
    app: App, tmp_path: Path, text: str, words: str, line: int | None
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    assert_refused(app, tmp_path, bad, words, line=line)


BAD_BYTES: list[tuple[str, bytes, str]] = [
    ("GBK", MINIMAL.encode("gbk"), "GBK"),
    ("binary garbage", bytes(range(256)) * 64, "不是 UTF-8"),
    ("truncated UTF-16", b"\xff\xfe" + MINIMAL.encode("utf-16-le")[:-1], "UTF-16"),
    ("PNG renamed .yaml", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是 UTF-8"),
    ("NUL-padded ASCII", b"project:\n" + b"\x00" * 64, "U+0000"),
]


@pytest.mark.parametrize(("raw", "words"), [c[1:] for c in BAD_BYTES], ids=[c[0] for c in BAD_BYTES])
def test_wrong_encodings_are_named(app: App, tmp_path: Path, raw: bytes, words: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(raw)
    assert_refused(app, tmp_path, bad, words)


def test_utf16_with_a_bom_reads_like_utf8(app: App, tmp_path: Path) -> None:
    """Notepad's "Unicode" is unambiguous (the BOM says so), so it is read rather than refused."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain, wide = tmp_path / "a" / "plan.yaml", tmp_path / "b" / "plan.yaml"
    plain.write_text(MINIMAL, encoding="utf-8")
    wide.write_bytes(MINIMAL.encode("utf-16"))
    import_files(app.engine, [plain])
    before = dump(app.engine)
    [report] = import_files(app.engine, [wide])
    assert not report.changed and dump(app.engine) == before


def test_a_50_mb_file_is_refused_by_its_size_before_parsing(app: App, tmp_path: Path) -> None:
    huge = sparse(tmp_path / "huge.yaml", 50 * 1024 * 1024)
    error = assert_refused(app, tmp_path, huge, "太大")
    assert "50.0 MB" in str(error) and "DUBAN_MAX_FILE_MB" in str(error)


def test_the_size_limit_is_a_setting(app: App, tmp_path: Path) -> None:
    settings = Settings.from_env({"DUBAN_MAX_FILE_MB": "0.0001"})
    assert settings.max_file_bytes == 104
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(PlanFileError, match="太大"):
        import_files(app.engine, [plan], max_bytes=settings.max_file_bytes)
    assert import_files(app.engine, [plan], max_bytes=Settings().max_file_bytes)


def test_word_line_breaks_become_line_breaks(app: App, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        MINIMAL.replace("problem: 实施方案未报备", 'problem: "第一行\\v第二行"'), encoding="utf-8"
    )
    import_files(app.engine, [plan])
    assert items(app)["1"].problem == "第一行\n第二行"


def assert_refused(
    app: App, tmp_path: Path, bad: Path, words: str, *, line: int | None = None
) -> PlanFileError:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    before = dump(app.engine)
    with pytest.raises(PlanFileError) as caught:
        import_files(app.engine, [good, bad])
    error = caught.value
    assert error.path == bad
    assert words in str(error)
    if line is not None:
        assert error.line == line
    assert len(str(error)) < 400  # the offending text is not echoed back whole
    assert dump(app.engine) == before
    return error
