"""The service's verbs: ``duban run``, ``duban schedule``, ``duban web`` and ``duban user``."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime, time, timedelta

import click

from bot.cli.root import F, app_of, as_of_option, friendly_errors


def _log_to_stdout() -> None:
    """The service logs to stdout (journald and docker keep it), one readable line per event."""
    from bot.cli.logs import log_to

    log_to(sys.stdout, replace=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own lines name jobs and outcomes


def _web_options(func: F) -> F:
    func = click.option("--port", default=8080, show_default=True, help="网页端口。")(func)
    return click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="网页监听地址（放在 nginx 后面时保持 127.0.0.1）。",
    )(func)


@click.command()
@_web_options
@click.option("--no-web", is_flag=True, help="不提供网页，只运行定时任务。")
@click.pass_context
@friendly_errors
def run(ctx: click.Context, host: str, port: int, no_web: bool) -> None:
    """作为服务运行：按计划采集、评估、提醒、发送领导小组周报月报，并提供网页（SIGTERM/Ctrl+C 停止）。

    \b
    启动时先打印计划，并补跑停机期间错过的任务（每个任务只补一次）。
    计划时间用 DUBAN_COLLECT_AT、DUBAN_COLLECT_CRON、DUBAN_DAILY_AT、DUBAN_SUMMARY_AT 等环境变量设置。
    """
    from bot.service import serve

    app = app_of(ctx)
    config = app.settings.schedule()
    app.init_database()
    _log_to_stdout()
    serve(app, config, web=None if no_web else (host, port))


@click.command()
@as_of_option
@click.option("--count", default=3, show_default=True, help="每个任务显示几次。")
@click.pass_context
@friendly_errors
def schedule(ctx: click.Context, as_of: date | None, count: int) -> None:
    """显示各定时任务接下来的运行时间（不启动任何任务）。

    \b
    加 --as-of 日期 可预览那一天起的安排；它只决定列出哪些日子，不改变实际时间：
    写今天时，今天已经过去的运行不会列出。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from domain.schedule import job_specs, next_fires
    from domain.workdays import OFFICE_TZ

    app = app_of(ctx)
    config = app.settings.schedule()
    # --as-of picks the days listed, never the time it is: today's runs that are already past are
    # not "next" however the date is given; another day is shown whole, as a preview of it.
    now = wall_clock()
    day = as_of
    start = now if day in (None, now.astimezone(OFFICE_TZ).date()) else _day_start(day)
    rows = [(spec, next_fires(spec, start, app.calendar, count)) for spec in job_specs(config)]
    output.schedule(rows, now, config.outbox_minutes, preview=None if start is now else day)


def _day_start(day: date) -> datetime:
    from domain.workdays import OFFICE_TZ

    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ) - timedelta(microseconds=1)


@click.command()
@_web_options
@as_of_option
@click.pass_context
@friendly_errors
def web(ctx: click.Context, host: str, port: int, as_of: date | None) -> None:
    """只提供网页（不运行定时任务）；需要先用 duban user add 添加用户。"""
    import uvicorn

    from bot.cli import display as output
    from bot.service import listen_for_web
    from bot.web.config import SERVER_OPTIONS, WebConfig
    from bot.web.routes import create_app

    app = app_of(ctx)
    app.init_database()
    config = WebConfig.from_app(app, as_of=as_of)
    # A taken port is said in Chinese here; uvicorn would only log its English errno line.
    listen_for_web(host, port).close()
    output.done(f"网页：http://{host}:{port}/（Ctrl+C 停止）")
    uvicorn.run(create_app(app, config), host=host, port=port, log_level="warning", **SERVER_OPTIONS)


@click.group()
def user() -> None:
    """管理网页用户。"""


@user.command("add")
@click.argument("username", metavar="用户名")
@click.option("--name", "display_name", help="显示的姓名，默认与用户名相同。")
@click.option(
    "--role",
    type=click.Choice(["admin", "province", "member"]),
    help=(
        "admin：管理员（所有项目的全部操作，并管理用户）；province：全省只读；"
        "member：按项目授权（只看到 --project 给的项目）。"
        "不写时新用户有 --project 则为 member，否则为 admin；"
        "已有用户保留原角色。"
    ),
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="项目代码=角色",
    help=(
        "授权一个项目，可写多次，例如 --project pianguan=coordinator。角色：coordinator 协调人、"
        "staff 工作人员、read_only 只读。写了就替换该用户原有的全部项目授权。"
    ),
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（供脚本使用），否则交互输入。")
@click.pass_context
@friendly_errors
def user_add(
    ctx: click.Context,
    username: str,
    display_name: str | None,
    role: str | None,
    projects: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """添加网页用户，或重设已有用户的密码、角色和项目授权（密码以 argon2 哈希保存）。"""
    from bot.cli import display as output
    from bot.web.users import save_user

    app = app_of(ctx)
    app.init_database()
    grants = _grants(projects) if projects else None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    created, saved = save_user(
        app.engine, username=username, password=password, display_name=display_name, role=role, grants=grants
    )
    granted = "，".join(f"{code}：{output.role_label(r)}" for code, r in (grants or {}).items())
    tail = f"；项目：{granted}" if granted else ""
    output.done(f"{'已添加' if created else '已更新'}网页用户 {username}（{output.role_label(saved)}{tail}）")


def _grants(projects: tuple[str, ...]) -> dict[str, str]:
    """``--project code=role`` options as {code: role}; a malformed one is said in Chinese."""
    from domain.errors import ConfigurationError

    grants = {}
    for given in projects:
        code, sign, role = given.partition("=")
        if not sign or not code.strip() or not role.strip():
            raise ConfigurationError(
                f"--project {given} 写法不对，应为 项目代码=角色，例如 pianguan=coordinator"
            )
        grants[code.strip()] = role.strip()
    return grants


@user.command("list")
@click.pass_context
@friendly_errors
def user_list(ctx: click.Context) -> None:
    """列出网页用户、角色和各自授权的项目。"""
    from bot.cli import display as output
    from bot.web.users import users_with_grants

    app = app_of(ctx)
    app.init_database()
    output.web_users(users_with_grants(app.engine))


@user.command("logout")
@click.argument("username")
@click.pass_context
@friendly_errors
def user_logout(ctx: click.Context, username: str) -> None:
    """让该用户在所有浏览器上的网页登录立即失效（例如电脑丢失或人员调离）；重设密码时也会这样做。"""
    from bot.cli import display as output
    from bot.web.users import end_user_sessions

    app = app_of(ctx)
    app.init_database()
    ended = end_user_sessions(app.engine, username)
    output.done(f"已让网页用户 {username.strip()} 的 {ended} 个登录失效，需重新登录")


COMMANDS = (run, schedule, web, user)
