"""Fuzzing the parsers with hypothesis: whatever comes in, the answer is a value or duban's own
clear error, never a crash, a silent zero or an infinite number.

Example counts are bounded so the suite stays quick (the pure parsers get a few hundred examples,
the ones that write files a few dozen); ``DUBAN_FUZZ_SCALE`` multiplies them for a longer run.
"""

from __future__ import annotations

import math
import os
import string
import tempfile
from datetime import date
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.fetched import Fetched
from collectors.files import figures_from_file
from collectors.numbers import UNITS, NumberFormatError, UnitError, convert, parse_number
from collectors.plan.ledger import read_ledger
from collectors.plan.loader import load_plan_file
from domain.errors import CollectionError, PlanFileError
from domain.plan.dates import YEARS, OfficeDateError, parse_deadline, parse_office_date
from domain.plan.text import TextError, clean_text
from tests.badfiles import ledger, ledger_rows
from tests.collect_helpers import NOW
from tests.test_collectors_files import source
from tests.test_plan_import import MINIMAL

# DUBAN_FUZZ_SCALE=20 for a deeper run by hand; the suite runs at 1.
SCALE = int(os.environ.get("DUBAN_FUZZ_SCALE", "1"))
PURE = settings(max_examples=300 * SCALE, deadline=None)
FILES = settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what offices type, plus anything at all.
OFFICE_CHARACTERS = string.digits + "年月日底末上中下旬份.-/ ,，万亿千%％—长期坚持前０１２"
office_text = st.text(alphabet=OFFICE_CHARACTERS, max_size=30)
any_text = st.one_of(office_text, st.text(max_size=60))


@PURE
@given(any_text)
def test_numbers_parse_or_say_they_are_not_numbers(text: str) -> None:
    try:
        value = parse_number(text)
    except NumberFormatError as error:
        assert "不是数字" in str(error) and len(str(error)) < 80
        return
    assert value is None or math.isfinite(value)


@PURE
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2), st.sampled_from(["", "万", "亿"]))
def test_numbers_as_reports_print_them_read_back(value, scale) -> None:
    printed = f"{value:,.2f}{scale}"
    factor = {"": 1, "万": 1e4, "亿": 1e8}[scale]
    assert math.isclose(parse_number(printed), float(value) * factor, rel_tol=1e-12, abs_tol=1e-6)
    full_width = printed.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))
    assert math.isclose(parse_number(full_width), float(value) * factor, rel_tol=1e-12, abs_tol=1e-6)


@PURE
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15), st.data())
def test_unit_conversion_goes_there_and_back(value: float, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(sorted(UNITS)))
    target = data.draw(st.sampled_from(sorted(UNITS)))
    try:
        there = convert(value, source, target)
    except UnitError:
        assert UNITS[source][0] != UNITS[target][0]
        return
    assert math.isclose(convert(there, target, source), value, rel_tol=1e-9, abs_tol=1e-9)


@PURE
@given(any_text, st.one_of(st.none(), st.integers(min_value=-5, max_value=10000)))
def test_office_dates_parse_into_this_century_or_say_why(text: str, year: int | None) -> None:
    try:
        day = parse_office_date(text, year=year)
    except OfficeDateError as error:
        assert error.reason and len(str(error)) < 200
        return
    assert day.year in YEARS


@PURE
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_form_of_a_date_reads_back(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        f" {day.year} 年 {day.month} 月 {day.day} 日 ",
    ]
    for form in forms:
        assert parse_office_date(form) == day, form
    assert parse_office_date(f"{day.month}月{day.day}日", year=day.year) == day
    deadline = parse_deadline(f"{day.year}年{day.month}月{day.day}日前完成并长期坚持")
    assert (deadline.due, deadline.ongoing) == (day, True)


@PURE
@given(any_text)
def test_deadlines_parse_or_say_why(text: str) -> None:
    try:
        deadline = parse_deadline(text, year=2023)
    except OfficeDateError:
        return
    assert deadline.due is not None or deadline.ongoing


@PURE
@given(st.text(max_size=80))
def test_clean_text_lets_no_control_character_through(text: str) -> None:
    try:
        cleaned = clean_text(text)
    except TextError:
        return
    assert all(ch in "\t\n\r" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F) for ch in cleaned)


# --- plan files ---------------------------------------------------------------------------------

FIELD_NAMES = [
    "project",
    "code",
    "name",
    "county",
    "people",
    "channels",
    "items",
    "rectification",
    "deadline",
    "problem",
    "number",
    "year",
    "target",
    "unit",
    "indicators",
    "settings",
    "members",
    "kind",
]

yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=4)
    ),
    max_leaves=20,
)


def _plan_file(text: str | bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="duban-fuzz-"))
    path = folder / "plan.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return path


def _loads_or_refuses(path: Path) -> None:
    try:
        load_plan_file(path)
    except PlanFileError as error:
        assert error.path == path and len(str(error)) < 600
    finally:
        path.unlink()
        path.parent.rmdir()


@FILES
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_any_bytes_as_a_plan_file_load_or_are_refused(content: str | bytes) -> None:
    _loads_or_refuses(_plan_file(content))


@FILES
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), yaml_values, max_size=6))
def test_any_yaml_structure_loads_or_is_refused(document: dict) -> None:
    _loads_or_refuses(_plan_file(yaml.safe_dump(document, allow_unicode=True)))


@FILES
@given(st.integers(min_value=0, max_value=MINIMAL.count("\n") - 1), yaml_values)
def test_one_changed_value_in_a_good_plan_loads_or_is_refused(line: int, value: object) -> None:
    lines = MINIMAL.split("\n")
    key, _, _ = lines[line].partition(":")
    lines[line] = f"{key}: {yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()}"
    _loads_or_refuses(_plan_file("\n".join(lines)))


# --- ledgers and inbox files --------------------------------------------------------------------

cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 1, 1)),
    office_text,
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30),
)


@FILES
@given(st.lists(cells, min_size=8, max_size=8), st.integers(min_value=0, max_value=7))
def test_any_ledger_row_reads_or_names_row_and_header(row: list, column: int) -> None:
    good = ledger_rows(1)[0]
    good[column] = row[column]
    with tempfile.TemporaryDirectory() as folder:
        path = ledger(Path(folder) / "台账.xlsx", [good, row])
        try:
            items = read_ledger(path)
        except PlanFileError as error:
            assert error.row in (3, 4, None) and len(str(error)) < 600
            return
    assert all(item.number and item.problem for item in items)


@FILES
@given(st.binary(max_size=2000), st.sampled_from(["x.csv", "x.xlsx", "x.xls"]))
def test_any_bytes_as_an_inbox_file_give_figures_or_a_named_failure(body: bytes, name: str) -> None:
    fetched = Fetched(name, None, None, body, NOW)
    try:
        figures = figures_from_file(fetched, name, source("unused"), {"month_header": "日期"})
    except CollectionError as error:
        assert name in str(error)
        return
    assert all(math.isfinite(f.value) for f in figures)
