"""``file``: Excel and CSV exports dropped into an inbox folder, the way shop backends hand out data.

Settings:

* ``inbox`` — the folder (relative paths are under the data directory); read files go to
  ``processed/`` inside it, unreadable ones (too large, over a sheet limit of
  :mod:`collectors.sheet_limits`, damaged, or breaking a reader) to ``rejected/`` with
  ``<name>.reason.txt`` beside them, so that no run reads them again;
* ``patterns`` — which files to read (default ``["*.xlsx", "*.xls", "*.csv"]``);
* ``month_header`` — the header of the column holding the month or the date of each row (default
  ``月份``); rows are summed per month, so a daily or per-order export gives monthly totals;
* ``sheet`` — the worksheet to read (default: the first one with the header);
* ``encoding`` — forces a CSV file's encoding (otherwise UTF-8, then GB18030/GBK);
* ``cumulative`` / ``fields`` — see :mod:`collectors.figures`.

Columns are found by their header wherever they are (a title row above the header is fine, and
so is a column that moved); each indicator names its column in ``source_field``. ``.xls`` files
are read with xlrd.

Files move only after their figures are committed (``Collected.after_commit``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from fnmatch import fnmatch
from functools import partial
from pathlib import Path
from typing import Any

from collectors.base import Collected, Collector, Figure, SourceConfig
from collectors.fetched import Fetched
from collectors.figures import Cell, Located, field_options, is_total, month_of, sum_by_month
from collectors.limits import TooLargeError, check_path, check_unpacked
from collectors.numbers import normalise_text
from collectors.sheets import SheetError, read_sheets
from collectors.tables import column_index, column_unit
from domain.errors import CollectionError, ConfigurationError, LayoutError
from domain.workdays import OFFICE_TZ

PATTERNS = ("*.xlsx", "*.xls", "*.csv")
NAME_BYTES = 200  # a moved file's stem; leaves room for "-20231012093000" and ".reason.txt"
HEADER_SCAN_ROWS = 10
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv",
}


def figures_from_file(
    fetched: Fetched, name: str, source: SourceConfig, settings: dict[str, Any]
) -> list[Figure]:
    """Monthly totals of every figure the source feeds, from one file's bytes. Pure."""
    code = source.code
    month_header = str(settings.get("month_header", "月份"))
    try:
        sheets = read_sheets(fetched.body, name, encoding=settings.get("encoding"))
    except SheetError as exc:
        raise LayoutError(code, f"{name}：{exc}") from None
    wanted_sheet = settings.get("sheet")
    for sheet, rows in sheets:
        if wanted_sheet and sheet != wanted_sheet:
            continue
        for at, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            headers = tuple(normalise_text(str(c or "")) for c in cells)
            if column_index(headers, month_header) is not None:
                return _figures(
                    rows[at + 1 :], at + 2, headers, f"{name} 工作表“{sheet}”", fetched, source, settings
                )
    where = f"工作表“{wanted_sheet}”" if wanted_sheet else "各工作表"
    raise LayoutError(code, f"{name}：{where}前 {HEADER_SCAN_ROWS} 行中找不到表头“{month_header}”")


def _figures(
    rows: list[list[Cell]],
    first_row: int,
    headers: tuple[str, ...],
    label: str,
    fetched: Fetched,
    source: SourceConfig,
    settings: dict[str, Any],
) -> list[Figure]:
    code = source.code
    month_at = column_index(headers, str(settings.get("month_header", "月份")))
    assert month_at is not None
    columns = {}
    for spec in source.figures:
        index = column_index(headers, spec.label)
        if index is None:
            raise LayoutError(code, f"{label}中找不到列“{spec.label}”（导出格式可能已改变）")
        columns[spec.indicator] = index
    found: dict[str, list[Located]] = {spec.indicator: [] for spec in source.figures}
    data_rows = 0
    for number, row in enumerate(rows, start=first_row):
        cells = list(row) + [None] * (len(headers) - len(row))
        values = {i: cells[i] for i in columns.values()}
        month_cell = cells[month_at]
        if is_total(month_cell) or all(_blank(v) for v in [month_cell, *values.values()]):
            continue
        if _blank(month_cell):
            raise LayoutError(code, f"{label}第 {number} 行有数据但没有月份")
        month = month_of(month_cell, code, f"{label}第 {number} 行：")
        data_rows += 1
        for spec in source.figures:
            where = f"{label}第 {number} 行，列“{headers[columns[spec.indicator]]}”"
            found[spec.indicator].append(Located(month, cells[columns[spec.indicator]], where, fetched))
    if not data_rows:
        raise LayoutError(code, f"{label}中没有数据行")
    figures: list[Figure] = []
    for spec in source.figures:
        options = field_options(settings, spec.label)
        unit = column_unit(headers, columns[spec.indicator], spec.label) or options.unit
        figures += sum_by_month(
            spec,
            found[spec.indicator],
            page_unit=unit,
            cumulative=options.cumulative,
            source=code,
            aggregate=True,
        )
    return figures


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class FileCollector(Collector):
    kind = "file"

    def collect(
        self, source: SourceConfig, *, now: datetime, month: str | None = None, as_of: date | None = None
    ) -> Collected:
        inbox = self._inbox(source)
        collected = Collected(attempted=False, whole=True)
        for path in _waiting(inbox, source.settings.get("patterns", PATTERNS)):
            collected.attempted = True
            try:
                check_path(path, self.env.max_file_bytes)
                if path.suffix.lower() == ".xlsx":
                    check_unpacked(path, self.env.max_file_bytes)
            except TooLargeError as exc:  # refused unread; too big to keep as evidence either
                error = LayoutError(source.code, f"{path.name}：{exc}")
                collected.failures.append(error)
                collected.after_commit.append(partial(reject, path, inbox, str(error), now))
                continue
            body = path.read_bytes()
            fetched = Fetched(path.name, None, CONTENT_TYPES.get(path.suffix.lower()), body, now)
            try:
                collected.figures += figures_from_file(fetched, path.name, source, source.settings)
            except Exception as exc:  # even a reader's own crash: a file must not block the inbox
                failed = exc if isinstance(exc, CollectionError) else _unreadable(source.code, path, exc)
                failed.evidence = fetched
                collected.failures.append(failed)
                collected.after_commit.append(partial(reject, path, inbox, str(failed), now))
                continue
            collected.after_commit.append(partial(move, path, inbox / "processed", now))
        return collected

    def _inbox(self, source: SourceConfig) -> Path:
        setting = source.settings.get("inbox")
        if not setting:
            raise ConfigurationError(f"数据源 {source.code} 没有配置 inbox（收件文件夹）")
        inbox = Path(str(setting)).expanduser()
        inbox = inbox if inbox.is_absolute() else self.env.data_dir / inbox
        if not inbox.is_dir():
            raise ConfigurationError(f"数据源 {source.code} 的收件文件夹 {inbox} 不存在")
        return inbox


def _unreadable(code: str, path: Path, exc: Exception) -> LayoutError:
    return LayoutError(code, f"{path.name}：读取时出错（{type(exc).__name__}），已停止读取")


def _waiting(inbox: Path, patterns: list[str] | tuple[str, ...]) -> Iterator[Path]:
    """Files in the inbox, oldest first, so a later export of the same month is the later revision."""
    files = [
        p
        for p in inbox.iterdir()
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and any(fnmatch(p.name.lower(), x) for x in patterns)
    ]
    yield from sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def move(path: Path, folder: Path, now: datetime) -> Path:
    """Move ``path`` into ``folder``; an existing file of that name is kept and the new one renamed.

    The name comes from outside: it is only ever a last path component here (``path.name``), and
    it is shortened so that the dated variant and the ``.reason.txt`` beside it still fit the
    file system's 255-byte limit.
    """
    folder.mkdir(exist_ok=True)
    stem, suffix = _short(path.stem), _short(path.suffix, 16)
    target = folder / f"{stem}{suffix}"
    if target.exists():
        target = folder / f"{stem}-{now:%Y%m%d%H%M%S}{suffix}"
    shutil.move(str(path), target)
    return target


def _short(text: str, limit: int = NAME_BYTES) -> str:
    while len(text.encode("utf-8", "surrogateescape")) > limit:
        text = text[:-1]
    return text


def reject(path: Path, inbox: Path, reason: str, now: datetime) -> None:
    """Move a file that cannot be read to ``rejected/`` with a note (why, and when in Beijing
    time), so that the next run does not read it again."""
    target = move(path, inbox / "rejected", now)
    note = target.with_name(target.name + ".reason.txt")
    note.write_text(
        f"{now.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}（北京时间）未能读取，移到这里后不再读取：\n"
        f"{reason}\n改好后放回收件文件夹即可重新读取。\n",
        encoding="utf-8",
    )
