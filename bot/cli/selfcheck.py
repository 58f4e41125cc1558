"""``duban selfcheck``: before the acceptance, every standard with its verdict, the outcome, the grade."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bot.cli.root import app_of, as_of_option, as_of_pair, friendly_errors
from bot.cli.verbs import JSON_HELP


@click.command()
@click.option("--project", required=True, help="自查哪个项目（项目代码）。")
@as_of_option
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时把自查表写成 Excel 文件（.xlsx），可用 WPS 或 Excel 打开。",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
@friendly_errors
def selfcheck(ctx: click.Context, project: str, as_of: date | None, xlsx: Path | None, as_json: bool) -> None:
    """验收前自查：逐项列出建设标准和目标的判定、最新数值、来源或佐证、责任人，
    说明验收能否通过（约束性标准是否全部达标）、哪些标准挡住了验收；方案给出分值和等级时，
    推算得分和等级。只显示，不发送、不记录。
    """
    from bot.cli import display as output
    from jobs.selfcheck import run_selfcheck

    app = app_of(ctx)
    app.init_database()
    day, _ = as_of_pair(as_of)
    check = run_selfcheck(app.engine, project=project, as_of=day, calendar=app.calendar, policy=app.policy)
    output.selfcheck(check, as_json=as_json)
    if xlsx is not None:
        from bot.selfcheck_sheet import write_selfcheck

        try:
            write_selfcheck(check, xlsx)
        except OSError as exc:
            raise click.FileError(str(xlsx), f"无法写入：{exc.strerror}") from None
        if not as_json:  # the JSON on stdout stays one document
            output.done(f"自查表已写入 {xlsx}")


COMMANDS = (selfcheck,)
