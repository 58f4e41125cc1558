"""The ``duban`` group and what every verb shares: global options, ``--as-of`` and error display.

Importing the CLI must stay cheap (``duban --help`` answers in well under a second): this module
and the verb modules import only click, the standard library and the core's errors at the top;
settings, wiring, the display (rich) and everything a verb works with are imported inside the
function that uses them. ``bench/startup.py`` measures it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from bot.cli import exits, zh
from domain.errors import DubanError

if TYPE_CHECKING:
    from bot.wiring import App

F = TypeVar("F", bound=Callable[..., Any])

# Before any verb is declared: click names some option types when they are declared.
zh.install()

AS_OF_HELP = "按哪一天计算（日期格式 YYYY-MM-DD），默认今天（北京时间）。"


def as_of_pair(value: date | None) -> tuple[date, datetime]:
    """The day the plan is judged at (``--as-of``, or today) and the real clock's time.

    ``--as-of`` changes only the day judged: the time returned is the wall clock's whatever the
    day, because send attempts, rate windows, leases, evidence and run records are real events.
    """
    from bot.clock import today, wall_clock

    now = wall_clock()
    if value is None:
        return today(), now
    return value, now


def as_of_option(func: F) -> F:
    return click.option("--as-of", "as_of", type=zh.Day(), help=AS_OF_HELP)(func)


def friendly_errors(func: F) -> F:
    """Show a DubanError as one clear line and exit 1 (5 when the run lock is taken), no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DubanError as error:
            from bot.cli import display as output
            from jobs.lock import AlreadyRunningError

            output.error(str(error))
            busy = isinstance(error, AlreadyRunningError)
            sys.exit(exits.ExitCode.BUSY if busy else exits.ExitCode.ERROR)

    return wrapper  # type: ignore[return-value]


def app_of(ctx: click.Context) -> App:
    app: App = ctx.obj
    return app


def project_count(app: App) -> int:
    """How many projects the database holds (what a progress bar over all of them counts to)."""
    from db import overview

    with app.engine.connect() as connection:
        return len(overview.projects(connection))


def known_project(app: App, project: str | None) -> None:
    """A ``--project`` that names no project stops the command: an empty result would read as
    "nothing overdue" to someone who mistyped the code."""
    if project is None:
        return
    from db import overview
    from domain.errors import UnknownProjectError

    with app.engine.connect() as connection:
        if not overview.projects(connection, project):
            raise UnknownProjectError(project)


@click.group(
    cls=zh.Group,
    epilog=exits.help_text(),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="DUBAN_DATA_DIR",
    help="数据目录（数据库、证据文件、发件箱），默认 ./data；也可用环境变量 DUBAN_DATA_DIR。",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    default=Path(".env"),
    show_default=True,
    help="读取密钥和设置的 .env 文件（不存在则跳过）。",
)
@click.option("-v", "--verbose", is_flag=True, help="显示调试日志。")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, env_file: Path, verbose: bool) -> None:
    """督办（duban）：跟踪县域电商项目的实施方案目标和整改时限，按时提醒责任人。

    \b
    常用流程：
      duban init                      建库（或升级到最新结构）
      duban import examples/*.yaml    导入实施方案/整改方案，或 .xlsx 整改台账
      duban refresh                   立即采集、评估并发送提醒
      duban status                    查看项目、临近时限事项和最近运行
      duban demo                      用内置示例完整演示一遍
    """
    from dotenv import load_dotenv

    from bot.cli import display as output
    from bot.settings import Settings
    from bot.wiring import App

    if env_file.exists():
        load_dotenv(env_file, override=False)
    environ = dict(os.environ)
    if data_dir is not None:
        environ["DUBAN_DATA_DIR"] = str(data_dir)
    try:
        settings = Settings.from_env(environ)
    except DubanError as error:
        output.error(str(error))
        sys.exit(exits.ExitCode.ERROR)
    from bot.cli.logs import log_to

    level = logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO)
    log_to(sys.stderr, level)
    ctx.obj = App.build(settings, environ, echo=output.show_message)
