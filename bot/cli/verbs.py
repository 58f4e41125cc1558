"""The working verbs: import, collect, evaluate, notify, refresh, status, record, close-item …"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from bot.cli import exits
from bot.cli.root import app_of as _app
from bot.cli.root import as_of_option, friendly_errors, known_project, project_count
from bot.cli.root import as_of_pair as _as_of
from bot.cli.zh import Day

JSON_HELP = "以 JSON 输出，供其他程序读取：一个数组，每行一个对象，边生成边输出。"


@click.command()
@click.pass_context
@friendly_errors
def init(ctx: click.Context) -> None:
    """创建数据库，或把已有数据库升级到最新结构（可重复执行）。"""
    from bot.cli import display as output

    app = _app(ctx)
    app.init_database()
    output.done(f"数据库已就绪：{output.safe_url(app.settings.db_url)}")


@click.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    metavar="文件",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--project", help="台账（.xlsx、.xls 或 WPS 的 .et）导入到哪个项目（项目代码）；只有一个项目时可省略。"
)
@click.option("--year", type=int, help="台账中“10月底”这类日期的年份（表头标题写了年份时可省略）。")
@click.pass_context
@friendly_errors
def import_(ctx: click.Context, files: tuple[Path, ...], project: str | None, year: int | None) -> None:
    """导入方案文件（.yaml）和整改台账（.xlsx、.xls、WPS .et）。

    先检查全部文件，任何一个有错误就一个都不导入，并指出文件、行号和字段。
    重复导入同一文件不会产生变化；台账中修改过的行会更新，已销号的事项保持销号。
    """
    from bot.cli import display as output
    from jobs.import_plans import import_files

    app = _app(ctx)
    app.init_database()
    reports = import_files(
        app.engine,
        list(files),
        project=project,
        year=year,
        max_bytes=app.settings.max_file_bytes,
        kinds=app.plan_kinds,
        secret_variables=app.secret_variables,
    )
    output.import_reports(reports)


@click.command()
@click.option("--project", help="只采集这个项目（项目代码）。")
@click.option("--source", help="只采集这个数据源（数据源代码）。")
@click.option("--month", help="只保存这个月份（YYYY-MM）的数据。")
@click.pass_context
@friendly_errors
def collect(ctx: click.Context, project: str | None, source: str | None, month: str | None) -> None:
    """从各数据源采集月度数据，连同原始页面一起保存为证据。

    与定时任务、立即刷新共用一把运行锁：已有任务在运行时会说明是谁、从何时开始，然后退出。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from jobs.cycle import run_collect
    from jobs.lock import held

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    with (
        held(app.engine, label="采集数据（命令行）", purpose="collect", clock=app.clock),
        output.progress("采集数据源") as advance,
    ):
        result = run_collect(
            app, now=wall_clock(), project=project, source=source, month=month, on_done=advance
        )
    output.collect_result(result)
    sys.exit(exits.outcome(result, None))


@click.command()
@as_of_option
@click.option("--project", help="只评估这个项目。")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--all", "show_all", is_flag=True, help="逐项列出每一项（事项较多时默认按类型和项目汇总）。")
@click.pass_context
@friendly_errors
def evaluate(
    ctx: click.Context, as_of: date | None, project: str | None, as_json: bool, show_all: bool
) -> None:
    """列出截至某日每项目标的判定和需要关注的事项（只显示，不发送、不记录）。

    每项目标都有一个判定：已达标、符合序时进度、落后序时进度、未达标、数据未报送或尚未到期；
    已达标、符合序时进度和尚未到期的目标只在这里显示，不会发提醒。
    """
    from bot.cli import display as output
    from db.engine import session_scope
    from db.facts_loader import no_gc
    from jobs.judging import judge_projects

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    day, _ = _as_of(as_of)
    with no_gc():
        with session_scope(app.engine) as session:
            judged = judge_projects(
                session, [project] if project else None, day, app.calendar, app.policy, quiet=True
            )
        output.findings(judged.findings, day, as_json=as_json, show_all=show_all)


@click.command()
@as_of_option
@click.option("--project", help="只处理这个项目。")
@click.option("--dry-run", is_flag=True, help="只显示将要发送的消息，不发送，也不记录提醒状态。")
@click.option("--force", is_flag=True, help="即使数据和方案自上次评估后没有变化，也完整评估一遍。")
@click.pass_context
@friendly_errors
def notify(ctx: click.Context, as_of: date | None, project: str | None, dry_run: bool, force: bool) -> None:
    """评估并发送提醒：每个群一条汇总消息，已经提醒过的不重复提醒。

    与定时任务、立即刷新共用一把运行锁（--dry-run 只读，不需要）。同一评估日再次运行时，如果数据、
    方案和提醒自上次评估后都没有变化，就不再重新评估（结果必然相同），只发送发件箱里待发的消息。
    """
    from bot.cli import display as output
    from jobs.cycle import evaluate_with, run_deliver, run_evaluate
    from jobs.lock import held

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    day, now = _as_of(as_of)
    if dry_run:
        output.dry_run(evaluate_with(app, as_of=day, now=now, project=project, dry_run=True))
        return
    with held(app.engine, label="评估并发送提醒（命令行）", purpose="notify", clock=app.clock):
        evaluated = run_evaluate(app, as_of=day, now=now, project=project, force=force)
        delivered = run_deliver(app, now=now)
    output.cycle_summary(None, evaluated, delivered, app.settings.outbox_dir)
    sys.exit(exits.outcome(None, delivered))


@click.command()
@as_of_option
@click.option("--project", help="只处理这个项目。")
@click.option("--no-collect", is_flag=True, help="不采集，只用已有数据评估和发送。")
@click.pass_context
@friendly_errors
def refresh(ctx: click.Context, as_of: date | None, project: str | None, no_collect: bool) -> None:
    """立即刷新：采集 → 评估 → 发送提醒（与定时任务走同一流程；服务运行时也可使用）。

    与定时任务、网页上的“立即刷新”共用一把运行锁：已有任务在运行时会说明是谁、从何时开始，然后退出。
    """
    from bot.cli import display as output
    from jobs.triggers import run_refresh

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    day, now = _as_of(as_of)
    with output.progress("采集数据源") as advance:
        result = run_refresh(
            app, as_of=day, now=now, project=project, collect_first=not no_collect, on_collected=advance
        )
    output.cycle_summary(result.collected, result.evaluated, result.delivered, app.settings.outbox_dir)
    sys.exit(exits.outcome(result.collected, result.delivered))


@click.command()
@as_of_option
@click.option("--project", help="只看这个项目。")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--all", "show_all", is_flag=True, help="逐项列出每一行（项目或事项较多时默认按项目汇总）。")
@click.pass_context
@friendly_errors
def status(
    ctx: click.Context, as_of: date | None, project: str | None, as_json: bool, show_all: bool
) -> None:
    """查看各项目概况、已逾期的事项（按责任单位和责任人）、临近时限的事项、最近一次采集和运行。

    项目或事项较多（全省、全国）时，各部分按项目汇总，每个项目一行；加 --all 逐项列出。
    """
    from bot.cli import display as output
    from bot.status import gather_status

    app = _app(ctx)
    app.open_for_reading()  # works on a read-only or full disk too
    day, _ = _as_of(as_of)
    known_project(app, project)
    output.status(gather_status(app, day, project), as_json=as_json, show_all=show_all)


@click.command()
@click.argument("indicator", metavar="指标代码")
@click.option("--project", required=True, help="项目代码。")
@click.option("--month", required=True, help="月份 YYYY-MM。")
@click.option("--value", required=True, type=float, help="数值（按指标的单位，或用 --unit 指定）。")
@click.option("--unit", help="数值的单位（如 元、万元），会换算为指标的单位。")
@click.option("--cumulative", is_flag=True, help="数值是本年累计，而不是当月。")
@click.option(
    "--evidence",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="佐证材料文件（截图、报表等），会按内容哈希保存。",
)
@click.option("--note", help="备注。")
@click.pass_context
@friendly_errors
def record(
    ctx: click.Context,
    indicator: str,
    project: str,
    month: str,
    value: float,
    unit: str | None,
    cumulative: bool,
    evidence: Path | None,
    note: str | None,
) -> None:
    """手工录入一个指标某月的数值（保留修订记录，不覆盖旧值）。"""
    from bot.cli import display as output
    from bot.clock import wall_clock
    from jobs.manual import record_figure

    app = _app(ctx)
    app.init_database()
    row = record_figure(
        app,
        project=project,
        indicator=indicator,
        month=month,
        value=value,
        unit=unit,
        cumulative=cumulative,
        evidence=evidence,
        note=note,
        now=wall_clock(),
        max_bytes=app.settings.max_file_bytes,
    )
    output.recorded(row, indicator)


@click.command("close-item")
@click.argument("number", metavar="事项编号")
@click.option("--project", required=True, help="项目代码。")
@click.option("--batch", default="", help="问题批次（如 复核组），没有批次可省略。")
@click.option("--result", "result_text", required=True, help="整改结果（销号说明）。")
@click.option(
    "--evidence", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="佐证材料文件。"
)
@as_of_option
@click.pass_context
@friendly_errors
def close_item(
    ctx: click.Context,
    number: str,
    project: str,
    batch: str,
    result_text: str,
    evidence: Path | None,
    as_of: date | None,
) -> None:
    """整改事项销号：记录整改结果和佐证材料，此后不再提醒，并立即发一条“已解决”。"""
    from bot.cli import display as output
    from jobs.cycle import run_deliver, run_evaluate
    from jobs.manual import close_item as close

    app = _app(ctx)
    app.init_database()
    day, now = _as_of(as_of)
    item = close(
        app,
        project=project,
        batch=batch,
        number=number,
        result=result_text,
        evidence=evidence,
        now=now,
        max_bytes=app.settings.max_file_bytes,
    )
    output.done(f"已销号：{project} {batch}问题{item.number}")
    # Evaluate the project now, so the "已解决" goes out with the closing rather than tomorrow.
    evaluated = run_evaluate(app, as_of=day, now=now, project=project, trigger="close-item")
    delivered = run_deliver(app, now=now, trigger="close-item")
    output.cycle_summary(None, evaluated, delivered, app.settings.outbox_dir)
    sys.exit(exits.outcome(None, delivered))


@click.command()
@click.option(
    "--as-of",
    "as_of",
    type=Day(),
    default="2023-10-12",
    show_default=True,
    help="演示按哪一天计算。",
)
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, as_of: date) -> None:
    """完整演示：在数据目录中建库，导入示例方案，启动本地演示数据后台，运行一次刷新并显示提醒。

    演示数据写入数据目录（默认 ./data），之后的 duban status、alerts、web 等看到的就是它；
    每次演示都会重建。数据目录里已有正式项目时不会覆盖，请用 --data-dir 另选目录。
    """
    from bot.cli import display
    from bot.demo.run import run_demo

    app = _app(ctx)
    result = run_demo(app, as_of, display)
    sys.exit(exits.outcome(result.collected, result.delivered))


@click.command("notify-test")
@click.argument("channel")
@click.option("--project", help="频道代码在多个项目中重复时，指定项目代码。")
@click.pass_context
@friendly_errors
def notify_test(ctx: click.Context, channel: str, project: str | None) -> None:
    """向一个频道发送测试消息，检查它的配置（群机器人 key、应用 secret、邮箱等）。

    \b
    CHANNEL 是方案文件中的频道代码；写 admin 则测试管理员告警的去向（DUBAN_ADMIN_EMAIL）。
    不论 DUBAN_DELIVERY 怎么设置，测试消息都会真实发送。失败时说明原因和处理办法。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from jobs.channel_check import send_test_message

    app = _app(ctx)
    app.init_database()
    outcome = send_test_message(app, channel, project=project, now=wall_clock())
    output.notify_test(outcome, console_mode=app.settings.delivery == "console")
    if not outcome.ok:
        sys.exit(1)


@click.command()
@as_of_option
@click.option(
    "--period", type=click.Choice(["week", "month"]), default="week", show_default=True, help="周报或月报。"
)
@click.option("--project", help="只处理这个项目。")
@click.pass_context
@friendly_errors
def summary(ctx: click.Context, as_of: date | None, period: str, project: str | None) -> None:
    """给领导小组发送周报/月报：关键指标对照目标和序时进度（附图表）、逾期和临近到期的事项。"""
    from bot.cli import display as output
    from jobs.cycle import run_deliver
    from jobs.summary import queue_summaries

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    day, now = _as_of(as_of)
    with output.progress("生成领导小组汇报", total=1 if project else project_count(app)) as advance:
        queued = queue_summaries(
            app.engine,
            as_of=day,
            now=now,
            period=period,
            attachments_dir=app.settings.attachments_dir,
            projects=[project] if project else None,
            formats=app.channels.format_of,
            calendar=app.calendar,
            policy=app.policy,
            on_project=advance,
        )
    delivered = run_deliver(app, now=now)
    output.summary_result(queued, delivered)
    sys.exit(exits.outcome(None, delivered))


@click.command()
@click.argument("indicator", metavar="指标代码")
@click.option("--month", required=True, help="月份 YYYY-MM。")
@click.option("--project", help="项目代码（指标代码在多个项目中都有时必填）。")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="把佐证文件和一份说明复制到这个文件夹，交给评价组。",
)
@click.pass_context
@friendly_errors
def evidence(
    ctx: click.Context, indicator: str, month: str, project: str | None, export_dir: Path | None
) -> None:
    """查看某指标某月的数值从哪里来：每一版的数值、原始页面/文件、获取时间和哈希。"""
    from bot.cli import display as output
    from collectors.months import MONTH
    from db.engine import session_scope
    from db.evidence import evidence_trail, export_trail, intact

    if not MONTH.match(month):
        raise click.BadParameter(f"月份“{month}”应写成 YYYY-MM，例如 2023-09", param_hint="--month")
    app = _app(ctx)
    app.init_database()
    root = app.settings.evidence_dir
    with session_scope(app.engine) as session:
        trail = evidence_trail(session, indicator=indicator, month=month, project=project)
    sound = {r.evidence.id: intact(root, r.evidence) for r in trail.revisions if r.evidence is not None}
    output.evidence_trail(trail, root, sound)
    if export_dir is not None:
        written = export_trail(trail, root, export_dir)
        output.done(f"已导出 {len(written)} 个文件到 {export_dir}")


@click.command()
@click.option("--project", help="只看这个项目。")
@click.option("--all", "show_all", is_flag=True, help="也列出已解决的提醒。")
@click.option("--list", "every", is_flag=True, help="逐条列出每个提醒（提醒较多时默认按项目汇总）。")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
@friendly_errors
def alerts(ctx: click.Context, project: str | None, show_all: bool, every: bool, as_json: bool) -> None:
    """列出提醒及其状态（ack / silence 要用到其中的“编号”）。

    提醒较多（全省、全国）时按状态和项目汇总，每个项目一行；用 --project 看一个项目的提醒和编号，
    或加 --list 逐条列出全部。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.acks import list_alerts
    from jobs.silences import muted_among

    app = _app(ctx)
    app.init_database()
    known_project(app, project)
    with session_scope(app.engine) as session:
        rows = list_alerts(session, project=project, include_resolved=show_all)
        now = wall_clock()
        muted = frozenset(muted_among(session, rows, at=now))
    output.alert_list(rows, as_json=as_json, muted=muted, every=every)


@click.command()
@click.argument("key", metavar="提醒编号")
@click.option("--project", help="项目代码（写编号数字时可省略）。")
@click.option("--reason", required=True, help="原因（记入处理记录），例如“已在周会上布置”。")
@click.option("--by", "actor", help="谁确认的（记入处理记录）。")
@click.pass_context
@friendly_errors
def ack(ctx: click.Context, key: str, project: str | None, reason: str, actor: str | None) -> None:
    """确认（已知悉）一个提醒：同一阶段不再重复提醒，进入新阶段（如逾期、上报）时仍会提醒。

    提醒编号是 duban alerts 列出的编号（数字，如 12）；也可以写提醒的键或其前缀
    （如 --project pianguan item/-/13），确认该事项的全部提醒。
    """
    from bot.cli import display as output
    from bot.clock import wall_clock
    from db.engine import session_scope
    from jobs.acks import acknowledge

    app = _app(ctx)
    app.init_database()
    with session_scope(app.engine) as session:
        changed = acknowledge(session, project=project, key=key, reason=reason, actor=actor, now=wall_clock())
        output.alerts_changed(changed, "已确认")


COMMANDS = (
    init,
    import_,
    collect,
    evaluate,
    notify,
    refresh,
    status,
    record,
    close_item,
    demo,
    notify_test,
    summary,
    evidence,
    alerts,
    ack,
)
