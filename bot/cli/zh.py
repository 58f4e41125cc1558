"""click in Chinese: its usage lines, section headings, help option, defaults, metavars and errors.

click marks every word it prints for gettext (``from gettext import gettext as _`` in each of its
modules) but ships no catalog, and a server's locale is usually C or en_US anyway. :func:`install`
hands those modules a lookup in :data:`CATALOG` instead, once, before the verbs are declared (click
names a path type "file" or "directory" when the option is declared). A word missing from the
catalog reads as click wrote it: ``tests/test_cli_chinese.py`` walks every help page for them.

The rest is the three classes every verb goes through: :class:`Group` (the ``duban`` group, which
gives each verb added to it the Chinese :class:`Context`), :class:`Context` (its formatter) and
:class:`Formatter` (the usage line's ``[OPTIONS]`` / ``COMMAND [ARGS]...``), and :class:`Day`, the
date type (``日期``, written YYYY-MM-DD) that replaces ``click.DateTime(["%Y-%m-%d"])``.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import click

# click's own words (its msgids, as in its source) → ours. Placeholders keep click's names.
CATALOG = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "(dynamic)": "（运行时确定）",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "用 “{command} {option}” 查看用法。",
    "Aborted!": "已取消。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项 {name}。",
    "No such command {name!r}.": "没有命令 {name}。",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
    "Invalid value: {message}": "取值不对：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值不对：{message}",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} does not take a value.": "选项 {name} 后面不用写值。",
    "Option {name!r} requires an argument.": "选项 {name} 后面要写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面要写 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 要写 {nargs} 个值。",
    "{value!r} is not {choice}.": "“{value}”不是可选的值，只能是 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值，只能是 {choices} 之一。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是是/否，可写 {states}。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里要的是文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里要的是文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”没有执行权限。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "unknown error": "原因不明",
    "Repeat for confirmation": "再输入一次",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Do you want to continue?": "要继续吗？",
}

# What a value of each of click's built-in types is called in a help line (``--year 整数``).
TYPE_WORDS = {"STRING": "文字", "INT": "整数", "FLOAT": "数值", "BOOL": "是/否", "UUID": "UUID"}
RANGE_WORDS = {"IntRange": "整数", "FloatRange": "数值"}

# click's usage-line pieces; it writes them itself rather than through gettext.
USAGE_PIECES = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))

_CLICK_MODULES = ("core", "exceptions", "formatting", "types", "parser", "decorators", "termui")


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(singular if count == 1 else plural)


def install() -> None:
    """Make click speak Chinese (idempotent). Called once, before any verb is declared."""
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    for attribute, word in TYPE_WORDS.items():
        getattr(click, attribute).name = word
    for attribute, word in RANGE_WORDS.items():
        getattr(click, attribute).name = word


class Day(click.ParamType[date]):
    """A calendar day written YYYY-MM-DD (the only way duban's options take a date)."""

    name = "日期"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "日期"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"“{value}”不是有效的日期，请写成 YYYY-MM-DD，例如 2023-10-12", param, ctx)


class Moment(click.ParamType[datetime]):
    """A moment in Beijing time written "YYYY-MM-DD HH:MM"; a day alone means the end of that day."""

    name = "时间"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "时间"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        from datetime import timedelta

        from domain.workdays import OFFICE_TZ

        if isinstance(value, datetime):
            return value
        text = " ".join(str(value).split())
        try:
            return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=OFFICE_TZ)
        except ValueError:
            pass
        try:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=OFFICE_TZ)
        except ValueError:
            self.fail(
                f"“{value}”不是有效的时间，请写成 “YYYY-MM-DD HH:MM”（北京时间），例如 “2023-10-20 18:00”",
                param,
                ctx,
            )
        return day + timedelta(days=1)  # through that whole day


class Formatter(click.HelpFormatter):
    """click's layout, measured in terminal cells: a Chinese character is two columns wide."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in USAGE_PIECES:
            args = args.replace(english, chinese)
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((cells(term) for term, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(indent + term)
            if not text:
                self.write("\n")
                continue
            if cells(term) <= first_col - col_spacing:
                self.write(" " * (first_col - cells(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(text, max(self.width - first_col - self.current_indent, 20))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for paragraph in text.split("\n\n"):
            if paragraph.startswith("\b"):  # click's mark for "keep these lines as they are"
                lines = paragraph.splitlines()[1:]
            else:
                lines = wrap(_join(paragraph.split("\n")), max(self.width - self.current_indent, 20))
            self.write("".join(f"{indent}{line}\n" for line in lines))
            self.write("\n")
        self.buffer.pop()  # no blank line after the last paragraph


def _join(lines: list[str]) -> str:
    """One paragraph from its source lines: Chinese runs on without a space, Latin words get one."""
    text = ""
    for line in (part.strip() for part in lines):
        wide = text and line and cells(text[-1]) == 2 and cells(line[0]) == 2
        text = f"{text}{line}" if wide or not text else f"{text} {line}"
    return text


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns; breaks between Chinese characters or at a space, never
    inside a Latin word or number (unless the word alone is wider than a line)."""
    lines: list[str] = []
    line, used = "", 0
    for token in re.findall(r"[\x21-\x7e]+|\s+|.", text.strip()):
        size = cells(token)
        if token.isspace():
            token, size = " ", 1
            if not line:
                continue
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = ("", 0) if token == " " else (token, size)
            continue
        line, used = line + token, used + size
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


class Context(click.Context):
    formatter_class = Formatter


class Group(click.Group):
    """The ``duban`` group: every verb added to it (and their sub-verbs) gets the Chinese context."""

    context_class = Context

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _speak_chinese(cmd)
        super().add_command(cmd, name)


def _speak_chinese(cmd: click.Command) -> None:
    cmd.context_class = Context
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _speak_chinese(sub)
