"""Everything the CLI shows a person. The only module that prints."""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli.jsonout import write_rows
from domain.amounts import exact_amount as amount
from domain.enums import AlertState, Origin, RunStatus
from domain.findings import KINDS, Finding
from domain.keys import natural_key, project_of, without_project
from domain.labels import label, stage_label
from domain.labels import role_label as role_label
from domain.workdays import OFFICE_TZ

if TYPE_CHECKING:
    from bot.status import ItemLine, Status
    from db.evidence import Trail
    from db.models import Alert, Measurement, ProjectRole, WebUser
    from db.plan import ImportReport
    from domain.selfcheck import SelfCheck
    from jobs.collect import CollectResult
    from jobs.deliver import DeliverResult
    from jobs.evaluate import EvaluateResult
    from jobs.silences import Listed
    from notifiers.base import Message

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

BEIJING = "北京时间"  # the label on every time shown; the database keeps UTC
R = TypeVar("R")


def _table(title: str, *columns: str, **min_widths: int) -> Table:
    """A table whose cells wrap (fold) at any width instead of being cut with "…".

    ``min_widths`` keeps a column (by its heading) from being squeezed below, say, a date's width.
    """
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold", min_width=min_widths.get(column))
    return table


def office_time(moment: datetime) -> str:
    """A stored (UTC) moment as the office reads it: Beijing time, to the minute."""
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def error(text: str) -> None:
    errors.print(f"[bold red]错误：[/]{escape(text)}")


def done(text: str) -> None:
    console.print(f"[green]✓[/] {escape(text)}")


def web_users(rows: list[tuple[WebUser, dict[str, ProjectRole]]]) -> None:
    """``duban user list``: each web user, their role and the projects granted to them."""
    table = _table("网页用户", "用户名", "姓名", "角色", "项目授权", "状态")
    for user, grants in rows:
        granted = "，".join(f"{code}：{role.label}" for code, role in grants.items())
        table.add_row(
            user.username,
            user.display_name,
            user.role.label,
            granted or "—",
            "正常" if user.active else "已停用",
        )
    console.print(table)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def import_reports(reports: list[ImportReport]) -> None:
    for report in reports:
        for warning in report.warnings:  # imported all the same: a person decides whether it is one name
            console.print(f"[yellow]注意[/yellow] {escape(str(report.path))}：{escape(warning)}")
        version = f"（方案格式第 {report.format_version} 版）" if report.format_version else ""
        if not report.changed:
            done(f"{report.path}{version}：与已导入内容一致，没有变化（{report.target} {report.project}）")
            continue
        parts = [
            f"新增 {_counts(report.created)}" if report.created else "",
            f"更新 {_counts(report.updated)}" if report.updated else "",
        ]
        done(f"{report.path}{version} → {report.target} {report.project}：{'；'.join(p for p in parts if p)}")


TABLE_NAMES = {
    "project": "项目",
    "person": "人员",
    "channel": "频道",
    "source": "数据源",
    "indicator": "指标",
    "indicatortarget": "年度目标",
    "rectificationitem": "整改事项",
    "rulebatch": "批次",
}


def _counts(counts: dict[str, int]) -> str:
    return "，".join(f"{TABLE_NAMES.get(k, k)} {v} 项" for k, v in counts.items())


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Callable[[Any], None]]:
    """A progress bar on a terminal (of ``total`` steps when known); silent when output is piped
    or in CI."""
    if not sys.stderr.isatty():
        yield lambda _item: None
        return
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda _item: bar.advance(task)


def collect_result(result: CollectResult) -> None:
    done(
        f"采集 {result.sources} 个数据源：新增 {result.figures} 个数据（其中修订 {result.revisions} 个），"
        f"失败 {len(result.failures)} 个"
    )
    for failure in result.failures:
        error(failure)


def findings(items: list[Finding], as_of: date, *, as_json: bool, show_all: bool = False) -> None:
    if as_json:
        write_rows((_finding_json(f) for f in items), sys.stdout)
        return
    if not items:
        done(f"截至 {as_of}，没有需要提醒的事项")
        return
    reminding = sum(not f.quiet for f in items)  # met, on pace and not yet due are only shown
    title = f"截至 {as_of} 的目标判定和需要关注的事项（{len(items)} 项，其中 {reminding} 项会发提醒）"
    if len(items) > DETAIL_ROWS and not show_all:
        _findings_summary(items, title)
        return
    # Printed a block at a time: a table's layout is measured over all its rows, so one table of a
    # province's tens of thousands of rows would be held, and measured, whole before its first line.
    for start in range(0, len(items), DETAIL_ROWS):
        _findings_table(items[start : start + DETAIL_ROWS], title if start == 0 else "")


# Up to this many findings (or rows of a part of ``duban status``) are listed one by one; more are
# summed up per project.
DETAIL_ROWS = 200
MORE_ROWS = "逐项列出请加 --all，只看一个项目请用 --project 项目代码，供程序读取请用 --json。"


def _findings_table(items: list[Finding], title: str) -> None:
    from notifiers.render import sentence  # the messages' own wording

    table = _table(title, "级别", "类型", "项目", "时限", "阶段")
    table.show_lines = True
    table.add_column("说明", overflow="fold", ratio=1)
    for f in items:
        who = f" 责任人：{'、'.join(f.persons)}" if f.persons and f.kind.value in _NAMED_BY_HEADING else ""
        table.add_row(
            label(f.severity),
            KINDS.label(f.kind),
            f.project,
            str(f.due or ""),
            stage_label(f.stage, f.workdays_left),
            escape(str(sentence(f)) + who),
        )
    console.print(table)


def selfcheck(check: SelfCheck, *, as_json: bool = False) -> None:
    """The self-check table, then the acceptance outcome and the score (or the same as JSON rows)."""
    from domain.selfcheck import outcome_lines

    if as_json:
        write_rows(_selfcheck_rows(check), sys.stdout)
        return

    title = f"{check.name}（{check.project}）建设标准自查，评估日 {check.as_of}：{len(check.rows)} 项"
    table = _table(title, "代码", "标准", "属性", "判定")
    for name in ("最新数值", "来源/佐证", "责任人"):
        table.add_column(name, overflow="fold")
    for row in check.rows:
        table.add_row(
            escape(row.code),
            escape(row.name),
            label(row.binding),
            label(row.verdict) if row.verdict else "无判定",
            escape(row.latest or "—"),
            escape(row.evidence or "—"),
            escape(row.responsible or "—"),
        )
    console.print(table)
    for line in outcome_lines(check):
        console.print(escape(line))


def _selfcheck_rows(check: SelfCheck) -> Iterator[dict[str, Any]]:
    """One row per standard, then one with the outcome: what ``duban selfcheck --json`` writes."""
    for row in check.rows:
        yield {"row": "standard", "project": check.project, **_fields(row)}
    yield {
        "row": "outcome",
        "project": check.project,
        "as_of": check.as_of,
        "passes": check.passes,
        "blocking": [r.code for r in check.blocking],
        "score": check.score,
        "full": check.full,
        "grade": check.grade,
    }


def _findings_summary(items: list[Finding], title: str) -> None:
    """Too many to read one by one: how many of each kind, then each project's count by kind."""
    kinds: dict[str, list[int]] = {}  # label → [findings, of which remind]
    projects: dict[str, dict[str, int]] = {}
    for f in items:
        kind = KINDS.label(f.kind)
        tally = kinds.setdefault(kind, [0, 0])
        tally[0] += 1
        tally[1] += not f.quiet
        per_project = projects.setdefault(f.project, {})
        per_project[kind] = per_project.get(kind, 0) + 1
    console.print(
        f"[bold]{escape(title)}[/]\n"
        f"共 {len(projects)} 个项目，事项较多，下面按类型和项目汇总。{escape(MORE_ROWS)}"
    )
    by_kind = _table("按类型", "类型", "项数", "其中会发提醒")
    for kind, (count, reminds) in kinds.items():
        by_kind.add_row(kind, str(count), str(reminds))
    console.print(by_kind)
    _lines(
        f"按项目（{len(projects)} 个，每行：项目代码、项数、其中各类型）",
        (
            f"{project}　{sum(counts.values())} 项：" + "，".join(f"{k} {n}" for k, n in counts.items())
            for project, counts in sorted(projects.items())
        ),
    )


# In messages these kinds name their people in the group heading, so the sentence does not.
_NAMED_BY_HEADING = {
    "deadline_approaching",
    "deadline_today",
    "overdue",
    "deliverable_due",
    "deliverable_overdue",
}


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "key": f.key,
        "project": f.project,
        "kind": f.kind.value,
        "severity": f.severity.value,
        "subject": f.subject,
        "stage": f.stage,
        "persons": list(f.persons),
        "units": list(f.units),
        "due": f.due.isoformat() if f.due else None,
        "workdays_left": f.workdays_left,
        "detail": f.detail(),
        "escalate": f.escalate,
        "verdict": f.verdict.value if f.verdict else None,  # every target has exactly one
        "reminds": not f.quiet,  # met, on pace and not yet due are shown, never sent
    }


# A province's notify writes thousands of messages: this many are shown in full, then a line each.
SHOWN_IN_FULL = 30
_shown = itertools.count(1)


def show_message(message: Message, path: Path) -> None:
    """Echo a delivered message: the text as the group would read it, and where the file is."""
    from notifiers.base import Format

    title = f"→ {escape(message.channel_name)}（{message.channel}）"
    shown = next(_shown)
    if shown > SHOWN_IN_FULL:
        if shown == SHOWN_IN_FULL + 1:
            console.print("消息较多，以下只列出每条消息保存在哪里，全文请看发件箱目录中的文件。")
        console.print(f"{title}：已保存 {escape(str(path))}")
        return
    body = message.body
    if message.format is Format.HTML:
        from bs4 import BeautifulSoup

        body = BeautifulSoup(body, "html.parser").get_text("\n", strip=True)
    mentions = " ".join(f"@{name}" for name in message.mentions)
    console.print(
        Panel(
            escape(body.strip()) + (f"\n\n{escape(mentions)}" if mentions else ""),
            title=title,
            subtitle=f"已保存：{escape(str(path))}",
            expand=False,
        )
    )


def dry_run(result: EvaluateResult) -> None:
    console.print(
        f"[bold]预演：{len(result.findings)} 项发现，将发送 {len(result.queued)} 条消息（不发送、不记录）[/]"
    )
    for shown, delivery in enumerate(result.queued, 1):
        if shown <= SHOWN_IN_FULL:
            console.print(
                Panel(escape(delivery.body.strip()), title=f"→ {escape(delivery.channel_code)}", expand=False)
            )
            continue
        if shown == SHOWN_IN_FULL + 1:  # framing hundreds of messages costs seconds nationally
            console.print("消息较多，以下各条不再加框，每条以“→ 频道代码”开头。")
        console.print(f"\n→ {delivery.channel_code}\n{delivery.body.strip()}", markup=False, soft_wrap=True)


def cycle_summary(
    collected: CollectResult | None, evaluated: EvaluateResult, delivered: DeliverResult, outbox: Path
) -> None:
    from jobs.unchanged import Skipped

    if collected is not None:
        collect_result(collected)
    if isinstance(evaluated, Skipped) and evaluated.unchanged is not None:
        done(
            f"评估：数据、方案和提醒自上次评估后没有变化，不再重新评估（{evaluated.unchanged.as_of} "
            f"仍是 {evaluated.unchanged.findings} 项需关注，没有新的提醒；需要时可加 --force）"
        )
    else:
        done(
            f"评估：{len(evaluated.findings)} 项需关注，其中 {evaluated.notified} 项本次提醒，"
            f"{evaluated.resolved} 项已解决；生成 {evaluated.deliveries} 条汇总消息"
        )
    if evaluated.unrouted:
        error(f"{evaluated.unrouted} 项提醒没有可发送的频道，请在方案文件的 channels 中配置")
    done(
        f"发送：成功 {delivered.sent} 条，待重试 {delivered.retrying} 条，失败 {delivered.dead} 条"
        f"（发件箱：{outbox}）"
    )


def status(report: Status, *, as_json: bool = False, show_all: bool = False) -> None:
    """The overview; at a province's size (more than :data:`DETAIL_ROWS` rows in a part) that part
    is summed up per project unless ``show_all``."""
    if as_json:
        write_rows(_status_rows(report), sys.stdout)
        return
    many = not show_all and max(len(report.projects), len(report.overdue), len(report.due_soon)) > DETAIL_ROWS
    if many:
        summed_up = f"共 {len(report.projects)} 个项目，事项较多，下面按项目汇总。{MORE_ROWS}"
        console.print(summed_up, markup=False, soft_wrap=True)
    if many and len(report.projects) > DETAIL_ROWS:
        _project_lines(report)
    else:
        _project_table(report)
    if many and len(report.overdue) > DETAIL_ROWS:
        _overdue_lines(report)
    elif report.overdue:
        columns = ("责任单位", "责任人", "项目", "事项", "时限", "逾期工作日")
        rows = []
        for n, (unit, persons, line) in enumerate(by_unit := report.overdue_by_unit()):
            first_of_unit = n % DETAIL_ROWS == 0 or unit != by_unit[n - 1][0]  # again atop each block
            cells = (persons, line.project, line.item, line.deadline.isoformat(), str(line.workdays))
            rows.append((unit if first_of_unit else "", *cells))
        _in_blocks("已逾期的整改事项（按责任单位、责任人）", columns, rows)
    if many and len(report.due_soon) > DETAIL_ROWS:
        _due_soon_lines(report)
    elif report.due_soon:
        _in_blocks(
            "临近时限的整改事项",
            ("项目", "事项", "时限", "剩余工作日", "责任人"),
            [
                (
                    line.project,
                    line.item,
                    line.deadline.isoformat(),
                    str(line.workdays),
                    "、".join(line.persons),
                )
                for line in report.due_soon
            ],
        )
    if report.last_runs:
        runs = _table("最近运行", "任务", f"开始（{BEIJING}）", "结果", "计数")
        for job, started, status, counts in report.last_runs:
            runs.add_row(escape(job), started, label(RunStatus(status)), escape(counts))
        console.print(runs)


def _project_table(report: Status) -> None:
    columns = (
        "项目",
        "指标",
        "整改事项",
        "已销号",
        "未销号",
        "5个工作日内到期",
        "已逾期",
        f"最近采集（{BEIJING}）",
    )
    rows = [
        (
            p.name,
            *map(str, (p.indicators, p.items, p.closed, p.open, p.due_soon, p.overdue)),
            p.last_collection or "从未采集",
        )
        for p in report.projects
    ]
    _in_blocks(f"项目概况（截至 {report.as_of}）", columns, rows)


def _in_blocks(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table of plain text cells, printed :data:`DETAIL_ROWS` rows at a time (the title over the
    first): a table's layout is measured over all its rows, so a province's thousands in one table
    would be held, and measured, whole before its first line."""
    for start in range(0, len(rows), DETAIL_ROWS):
        table = _table(title if start == 0 else "", *columns)
        for row in rows[start : start + DETAIL_ROWS]:
            table.add_row(*map(escape, row))
        console.print(table)


def _lines(heading: str, lines: Iterable[str]) -> None:
    """A part summed up one line per project: a table would measure every cell of its rows before
    printing the first (seconds for a province), and the terminal wraps a long line by itself."""
    console.print(f"\n{heading}", markup=False, style="bold", soft_wrap=True)
    console.print("\n".join(lines), markup=False, soft_wrap=True)


def _project_lines(report: Status) -> None:
    _lines(
        f"项目概况（截至 {report.as_of}，{len(report.projects)} 个项目，最近采集时间为{BEIJING}）",
        (
            f"{p.name}（{p.code}）　指标 {p.indicators}，整改事项 {p.items}（已销号 {p.closed}，"
            f"未销号 {p.open}），5个工作日内到期 {p.due_soon}，已逾期 {p.overdue}，"
            f"最近采集 {p.last_collection or '从未采集'}"
            for p in report.projects
        ),
    )


def _by_project(rows: Iterable[R], project: Callable[[R], str]) -> dict[str, list[R]]:
    """``rows`` grouped by their project's code, the projects in the order they first come."""
    grouped: dict[str, list[R]] = {}
    for row in rows:
        grouped.setdefault(project(row), []).append(row)
    return grouped


def _overdue_lines(report: Status) -> None:
    by_project = _by_project(report.overdue, attrgetter("project"))

    def units(lines: list[ItemLine]) -> str:
        counts = Counter(unit for line in lines for unit in (line.units or ("未写责任单位",)))
        return "，".join(f"{unit} {n}" for unit, n in sorted(counts.items(), key=lambda c: (-c[1], c[0])))

    _lines(
        f"已逾期的整改事项（{len(report.overdue)} 项，{len(by_project)} 个项目；"
        "每行：项目代码、项数、最长逾期工作日、各责任单位的项数）",
        (
            f"{project}　逾期 {len(lines)} 项，最长 {max(line.workdays for line in lines)} 个工作日；"
            f"{units(lines)}"
            for project, lines in sorted(by_project.items(), key=lambda p: natural_key(p[0]))
        ),
    )


def _due_soon_lines(report: Status) -> None:
    by_project = _by_project(report.due_soon, attrgetter("project"))
    _lines(
        f"临近时限的整改事项（{len(report.due_soon)} 项，{len(by_project)} 个项目；"
        "每行：项目代码、项数、最近的时限）",
        (
            f"{project}　{len(lines)} 项，最近的时限 {first.deadline}（还剩 {first.workdays} 个工作日）"
            for project, lines in sorted(by_project.items(), key=lambda p: natural_key(p[0]))
            for first in (min(lines, key=lambda line: (line.deadline, natural_key(line.item))),)
        ),
    )


def _status_rows(report: Status) -> Iterator[dict[str, Any]]:
    """``duban status --json``: one object per row, ``row`` saying which part it belongs to."""
    as_of = report.as_of.isoformat()
    for p in report.projects:
        yield {"row": "project", "as_of": as_of, **_fields(p)}
    for part, lines in (("overdue", report.overdue), ("due_soon", report.due_soon)):
        for line in lines:
            yield {"row": part, "as_of": as_of, **_fields(line)}
    for job, started, status, counts in report.last_runs:
        yield {"row": "run", "job": job, "started_beijing": started, "status": status, "counts": counts}


def _fields(row: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(row).items()}


def recorded(row: Measurement | None, indicator: str) -> None:
    if row is None:
        done(f"{indicator}：与已有数值相同，未新增修订")
    else:
        done(f"{indicator} {row.month}：{amount(row.value)} {row.unit}（第 {row.revision} 版）")


def notify_test(outcome: Any, *, console_mode: bool) -> None:
    """The result of ``duban notify-test``: sent (with notes), or what is wrong and what to do."""
    if outcome.ok:
        done(outcome.headline)
        for note in outcome.notes:
            console.print(f"[yellow]注意：[/]{escape(note)}")
    else:
        error(outcome.headline)
        errors.print(f"[bold]怎么办：[/]{escape(outcome.advice)}")
        if outcome.retryable:
            errors.print("这类错误通常是暂时的（网络、对方繁忙）；正式提醒会自动重试。")
    if console_mode:
        console.print(
            "[dim]提示：当前 DUBAN_DELIVERY=console，正式提醒只写入发件箱文件夹；"
            "确认配置无误后设置 DUBAN_DELIVERY=live。[/]"
        )


def summary_result(queued: Any, delivered: DeliverResult) -> None:
    done(f"领导小组汇报：新排入 {queued.queued} 条，本期已发过 {queued.already} 条")
    for code in queued.projects_without_leaders:
        console.print(
            f"[yellow]注意：[/]项目 {escape(code)} 没有领导小组频道（leadership: true），未生成汇报"
        )
    done(f"发送：成功 {delivered.sent} 条，待重试 {delivered.retrying} 条，失败 {delivered.dead} 条")


def schedule(rows: list[tuple[Any, list[Any]]], now: Any, outbox_minutes: int, preview: Any = None) -> None:
    """The timetable ``duban schedule`` shows: each job, its rule, and its next runs (from now, or
    from the start of the day ``preview``, with the real time said as such)."""
    local = now.astimezone(OFFICE_TZ)
    title = (
        f"定时任务（{preview:%Y-%m-%d} 起的安排预览；现在是 {local:%Y-%m-%d %H:%M}，{BEIJING}）"
        if preview
        else f"定时任务（从现在 {local:%Y-%m-%d %H:%M} 起，{BEIJING}）"
    )
    table = _table(title, "任务", "做什么", "规则", "接下来")
    weekdays = "一二三四五六日"
    for spec, fires in rows:
        times = [f.astimezone(OFFICE_TZ) for f in fires]
        upcoming = "\n".join(f"{f:%Y-%m-%d %H:%M} 星期{weekdays[f.weekday()]}" for f in times) or "无"
        table.add_row(spec.id, spec.label, escape(spec.when.describe()), upcoming)
    table.add_row("outbox", "发送待发消息、补跑错过的任务", f"每 {outbox_minutes} 分钟", "")
    console.print(table)


def evidence_trail(trail: Trail, root: Path, sound: dict[int | None, bool]) -> None:
    """Where a month's figure came from: each revision, its evidence file, and recent attempts."""
    indicator = trail.indicator
    console.print(
        f"[bold]{escape(trail.project.name)} · {indicator.code} {escape(indicator.name)} · {trail.month}[/]"
    )
    if not trail.revisions:
        console.print("  这个月还没有数值。")
    for revision in trail.revisions:
        m, ev = revision.measurement, revision.evidence
        kind = label(Origin(m.origin))
        scope = "本年累计" if m.cumulative else "当月"
        source = f"，数据源 {m.source_code}" if m.source_code else ""
        console.print(
            f"  第 {m.revision} 版：[bold]{amount(m.value)} {escape(m.unit)}[/]（{scope}，{kind}{source}，"
            f"记录于 {office_time(m.recorded_at)} {BEIJING}）"
        )
        if m.locator:
            console.print(f"    位置：{escape(m.locator)}")
        if ev is None:
            console.print("    [yellow]没有佐证文件[/]")
            continue
        status = f"，HTTP {ev.http_status}" if ev.http_status is not None else ""
        console.print(f"    来源：{escape(ev.origin)}（获取于 {_seconds(ev.fetched_at)} {BEIJING}{status}）")
        check = "[green]完好[/]" if sound.get(ev.id) else "[red]缺失或已被改动[/]"
        console.print(
            f"    文件：{escape(str(root / ev.path))}（{ev.size} 字节，SHA-256 {ev.sha256[:16]}…，{check}）"
        )
    if trail.filing is not None:
        filing, _ = trail.filing
        state = "已填报" if filing.filed else "未填报"
        console.print(
            f"  填报状态（{filing.source_code}）：{state}，核对于 {office_time(filing.checked_at)} {BEIJING}"
        )
    for attempt, ev in trail.attempts:
        result = (
            f"成功，{attempt.figures} 个数据"
            if attempt.ok
            else f"[red]失败[/]：{escape(attempt.error or '')}"
        )
        kept = f"（原始页面：{escape(ev.origin)}）" if ev is not None and not attempt.ok else ""
        console.print(f"  采集 {office_time(attempt.started_at)} {BEIJING}：{result}{kept}")


def alert_list(
    rows: list[Alert], *, as_json: bool = False, muted: frozenset[str] = frozenset(), every: bool = False
) -> None:
    """The alerts with the short number ``duban ack`` / ``silence`` take (the alert's id); those a
    silence mutes now (``muted``, by key) read 静默中. More than :data:`DETAIL_ROWS` are counted
    per project unless ``every`` (then listed a block at a time, as ``duban evaluate --all``)."""
    if as_json:
        write_rows(({**_alert_json(alert), "silenced": alert.key in muted} for alert in rows), sys.stdout)
        return
    if not rows:
        done("没有提醒")
        return

    def state(alert: Alert) -> AlertState:
        return AlertState.SILENCED if alert.key in muted else alert.state

    if len(rows) > DETAIL_ROWS and not every:
        _alerts_summary(rows, state)
        return
    explained = any(alert.state_reason for alert in rows)
    reason = ("说明",) if explained else ()
    columns = ("编号", "项目", "事项", "状态", "阶段", "已提醒", "上次提醒", *reason)
    cells = [
        (
            str(alert.id),
            project_of(alert.key),
            alert.subject,
            label(state(alert)),
            stage_label(alert.stage, None) if alert.stage else "—",
            f"{alert.notify_count} 次",
            office_time(alert.last_notified_at) if alert.last_notified_at else "—",
            *((alert.state_reason or "",) if explained else ()),
        )
        for alert in rows
    ]
    _in_blocks(f"提醒（{len(rows)} 项；确认或静默时写“编号”；时间为{BEIJING}）", columns, cells)


def _alerts_summary(rows: list[Alert], state: Callable[[Alert], AlertState]) -> None:
    """Too many to read one by one: how many in each state, then a line per project."""
    projects = _by_project(rows, lambda alert: project_of(alert.key))
    states = Counter(label(state(alert)) for alert in rows)
    console.print(
        f"提醒共 {len(rows)} 项，{len(projects)} 个项目，下面按状态和项目汇总。确认或静默要写提醒编号："
        "请用 --project 项目代码 列出一个项目的提醒，或加 --list 逐条列出全部；供程序读取请用 --json。",
        markup=False,
        soft_wrap=True,
    )
    console.print("按状态：" + "，".join(f"{name} {n}" for name, n in states.items()), markup=False)

    def line(project: str, alerts: list[Alert]) -> str:
        counts = Counter(label(state(alert)) for alert in alerts)
        told = [alert.last_notified_at for alert in alerts if alert.last_notified_at]
        last = f"，最近一次 {office_time(max(told))}" if told else ""
        notified = sum(alert.notify_count for alert in alerts)
        return (
            f"{project}　{len(alerts)} 项："
            + "，".join(f"{name} {n}" for name, n in counts.items())
            + f"；已提醒 {notified} 次{last}"
        )

    _lines(
        f"按项目（{len(projects)} 个；每行：项目代码、提醒数、各状态的数目、已提醒次数，时间为{BEIJING}）",
        (line(project, alerts) for project, alerts in projects.items()),
    )


def _alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "project": project_of(alert.key),
        "key": alert.key,
        "subject": alert.subject,
        "state": alert.state.value,
        "stage": alert.stage,
        "notify_count": alert.notify_count,
        "last_notified_at": alert.last_notified_at.isoformat() if alert.last_notified_at else None,
        "reason": alert.state_reason,
    }


def _seconds(moment: datetime) -> str:
    return moment.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S")


def silence_list(rows: list[Listed]) -> None:
    """The silences with the number ``duban silence expire`` takes."""
    from jobs.silences import matchers_text

    if not rows:
        done("没有生效中或最近结束的静默")
        return
    table = _table(
        f"静默（{len(rows)} 个；提前结束时写“编号”；时间为{BEIJING}）",
        "编号",
        "项目",
        "范围",
        "状态",
        "至",
        "涉及提醒",
        "设置人",
        "原因",
    )
    for row in rows:
        s = row.silence
        state = row.state
        if s.expired_at is not None:
            state += f"（{office_time(s.expired_at)}{'，' + s.expired_by if s.expired_by else ''}）"
        table.add_row(
            str(s.id),
            escape(row.project),
            escape(matchers_text(s)),
            escape(state),
            office_time(s.ends_at),
            f"{row.matching} 条",
            escape(s.created_by or "—"),
            escape(s.reason),
        )
    console.print(table)


def alerts_changed(rows: list[Alert], verb: str) -> None:
    for alert in rows:
        done(f"{verb}：{alert.subject}（编号 {alert.id}，{without_project(alert.key)}）")
