"""``duban silence add|list|expire`` (silences by matcher), ``duban silence 编号`` and ``duban unack``.

``duban silence 12 --days 7`` silences one alert as it always did: a first word that is not a
sub-verb is read as ``duban silence alert …``.
"""

from __future__ import annotations

from datetime import date, datetime

import click

from bot.cli import zh
from bot.cli.root import app_of, friendly_errors


class SilenceGroup(zh.Group):
    """``silence`` with sub-verbs, which still takes an alert's number as its first word."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["alert", *args]
        return super().parse_args(ctx, args)


@click.group(cls=SilenceGroup)
def silence() -> None:
    """静默：在一段时间内不再提醒某些提醒（解决时仍会发“已解决”）。

    \b
      duban silence add --project pianguan --unit 县商务局 --until "2023-10-20 18:00" --reason …
      duban silence list                  列出生效中和最近结束的静默
      duban silence expire 3              提前结束编号为 3 的静默
      duban silence 12 --days 7 --reason …    静默 duban alerts 列出的一个提醒
    """


@silence.command("add")
@click.option("--project", required=True, help="项目代码，如 pianguan；静默只对这个项目生效。")
@click.option("--unit", help="只静默这个责任单位的提醒。")
@click.option("--person", help="只静默这个责任人的提醒。")
@click.option("--kind", help="只静默这一类提醒，如“整改逾期”（或 overdue）。")
@click.option("--key", help="只静默这一个提醒或事项，写提醒的键或其前缀，如 item/-/3。")
@click.option(
    "--until",
    "until",
    type=zh.Moment(),
    required=True,
    help="静默到什么时候，写成 “YYYY-MM-DD HH:MM”（北京时间）。",
)
@click.option("--reason", required=True, help="原因（记入处理记录），例如“县政府协调中，月底前不催”。")
@click.option("--by", "actor", help="谁决定的（记入处理记录）。")
@click.pass_context
@friendly_errors
def add(
    ctx: click.Context,
    project: str,
    unit: str | None,
    person: str | None,
    kind: str | None,
    key: str | None,
    until: datetime,
    reason: str,
    actor: str | None,
) -> None:
    """新建静默：项目中与所给条件全部相符的提醒，在截止时间之前一律不发（包括上报领导小组）。

    条件不写的一项不限；责任单位、责任人写方案里的名称。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.silences import Wanted, create, preview

    app = app_of(ctx)
    app.init_database()
    now = wall_clock()
    wanted = Wanted(project, until, reason, unit=unit, person=person, kind=kind, key=key)
    with session_scope(app.engine) as session:
        row = create(session, wanted=wanted, actor=actor, now=now, at=now)
        count = preview(session, wanted=wanted)
        output.done(
            f"已新建静默（编号 {row.id}），至 {output.office_time(until)}（北京时间），"
            f"目前涉及 {count} 条未解决的提醒"
        )


@silence.command("list")
@click.option("--project", help="只看这个项目。")
@click.option(
    "--days", type=click.IntRange(min=0), default=7, show_default=True, help="也列出最近多少天内结束的静默。"
)
@click.pass_context
@friendly_errors
def list_(ctx: click.Context, project: str | None, days: int) -> None:
    """列出生效中的静默和最近结束的静默（expire 要用到其中的“编号”）。"""
    from datetime import timedelta

    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.silences import listing

    app = app_of(ctx)
    app.init_database()
    now = wall_clock()
    with session_scope(app.engine) as session:
        rows = listing(session, project=project, now=now, since=now - timedelta(days=days))
    output.silence_list(rows)


@silence.command("expire")
@click.argument("number", metavar="静默编号", type=int)
@click.option("--project", help="项目代码（核对用，可省略）。")
@click.option("--by", "actor", help="谁结束的（记入处理记录）。")
@click.pass_context
@friendly_errors
def expire(ctx: click.Context, number: int, project: str | None, actor: str | None) -> None:
    """提前结束一个静默：从现在起，它涉及的提醒照常提醒。"""
    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.silences import expire_early

    app = app_of(ctx)
    app.init_database()
    with session_scope(app.engine) as session:
        expire_early(session, silence_id=number, project=project, actor=actor, now=wall_clock())
    output.done(f"已提前结束静默（编号 {number}），涉及的提醒从现在起照常提醒")


@silence.command("alert")
@click.argument("key", metavar="提醒编号")
@click.option("--project", help="项目代码（写编号数字时可省略）。")
@click.option("--days", type=click.IntRange(min=1), help="静默多少天。")
@click.option("--until", "until_day", type=zh.Day(), help="静默到哪一天（含当天，日期格式 YYYY-MM-DD）。")
@click.option("--reason", required=True, help="原因（记入处理记录），例如“已报县政府协调，月底前不催”。")
@click.option("--by", "actor", help="谁决定的（记入处理记录）。")
@click.pass_context
@friendly_errors
def alert(
    ctx: click.Context,
    key: str,
    project: str | None,
    days: int | None,
    until_day: date | None,
    reason: str,
    actor: str | None,
) -> None:
    """静默一个提醒一段时间（可省略 alert 这个词）。用 --days 或 --until 给出时长。

    提醒编号是 duban alerts 列出的编号（数字，如 12）；也可以写提醒的键或其前缀
    （如 --project pianguan item/-/13），静默该事项的全部提醒，包括之后新出现的。
    """
    from datetime import timedelta

    from bot.cli import display as output
    from bot.clock import office_morning, wall_clock
    from db.engine import session_scope
    from jobs.acks import silence as mute

    if (days is None) == (until_day is None):
        raise click.UsageError("请给出 --days 或 --until 其中之一")
    now = wall_clock()
    if until_day is not None:
        until = office_morning(until_day + timedelta(days=1))
    else:
        until = now + timedelta(days=days or 0)
    app = app_of(ctx)
    app.init_database()
    with session_scope(app.engine) as session:
        changed = mute(session, project=project, key=key, until=until, reason=reason, actor=actor, now=now)
        output.alerts_changed(changed, f"已静默至 {output.office_time(until)}（北京时间）")


@click.command()
@click.argument("key", metavar="提醒编号")
@click.option("--project", help="项目代码（写编号数字时可省略）。")
@click.option("--reason", help="原因（记入处理记录），可省略。")
@click.option("--by", "actor", help="谁撤销的（记入处理记录）。")
@click.pass_context
@friendly_errors
def unack(ctx: click.Context, key: str, project: str | None, reason: str | None, actor: str | None) -> None:
    """撤销确认：提醒恢复为待处理，按提醒计划照常重复提醒。

    提醒编号的写法同 duban ack。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.acks import unacknowledge

    app = app_of(ctx)
    app.init_database()
    with session_scope(app.engine) as session:
        changed = unacknowledge(
            session, project=project, key=key, reason=reason or "", actor=actor, now=wall_clock()
        )
        output.alerts_changed(changed, "已撤销确认")


COMMANDS = (silence, unack)
