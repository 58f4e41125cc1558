"""``duban export ledger|report``: the 整改台账 (.xlsx) and the 整改落实情况报告 (.docx), from now."""

from __future__ import annotations

import errno
from datetime import date
from pathlib import Path

import click

from bot.cli.root import app_of, as_of_option, friendly_errors
from bot.cli.root import as_of_pair as _as_of
from domain.errors import ConfigurationError


@click.group()
def export() -> None:
    """从当前数据导出整改台账（Excel）或整改落实情况报告（Word）。"""


def _export_command(kind: str, name: str, summary: str) -> click.Command:
    @click.command(kind, help=summary)
    @click.option("--project", required=True, help="项目代码，如 pianguan。")
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"保存到哪个文件；省略时保存在当前文件夹，文件名为“项目名称-{name}-日期”。",
    )
    @as_of_option
    @click.pass_context
    @friendly_errors
    def command(ctx: click.Context, project: str, out: Path | None, as_of: date | None) -> None:
        from bot.cli import display as output
        from bot.exports.content import read_content
        from bot.exports.files import EXPORTS
        from db.evidence import write_atomically

        app = app_of(ctx)
        app.open_for_reading()
        day, _ = _as_of(as_of)
        export = EXPORTS[kind]
        content = read_content(app.engine, project, day)
        path = out or Path(export.filename(content))
        if path.suffix.lower() != export.suffix:
            raise ConfigurationError(f"{name}应保存为 {export.suffix} 文件，而不是“{path.name}”")
        try:
            write_atomically(path, export.write(content))
        except OSError as error:
            raise ConfigurationError(f"无法写入文件 {path}：{_why(error)}") from None
        output.done(f"已导出{name}（{len(content.rows)} 项整改事项）：{path}")

    return command


export.add_command(
    _export_command(
        "ledger",
        "整改台账",
        "导出整改台账（.xlsx）：标题行和序号、反馈问题、整改措施、责任单位、"
        "责任人、整改时限、整改结果、销号情况各列。",
    )
)
export.add_command(
    _export_command(
        "report",
        "整改落实情况报告",
        "导出整改落实情况报告（.docx）：问题数、已完成、长期坚持，"
        "以及每个问题的整改措施、责任单位、完成时限、整改结果和销号情况。",
    )
)
COMMANDS = (export,)

_REASONS = {
    errno.ENOENT: "文件夹不存在",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "磁盘是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
}


def _why(error: OSError) -> str:
    return _REASONS.get(error.errno or 0, error.strerror or str(error))
