"""Queue the leaders' summary (weekly or monthly) for every leadership channel, with its chart.

One outbox row per (period, project, channel), so asking twice in a week queues it once. The
chart is written as a content-addressed file under ``<data dir>/attachments`` and referred to by
the row: embedded in the email (``cid:chart``), sent to a WeCom group as an image message.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from db import outbox
from db.channels import leader_channels
from db.engine import session_scope
from db.evidence import write_atomically
from db.facts_loader import load_projects
from db.models import Channel
from db.plan import project_by_code
from domain.evaluation import Policy
from domain.selfcheck import outcome_lines
from domain.workdays import WorkCalendar
from jobs.selfcheck import selfcheck_of
from notifiers.base import Format
from notifiers.chart import Bar, progress_chart
from notifiers.registry import FormatOf, builtin_format
from notifiers.render import render_template
from notifiers.summary import Summary, build_summary

CHART_ID = "chart"
PARALLEL_CHARTS = 40  # charts from which two workers draw them (fewer take seconds in this process)
SUMMARY_KIND = "summary"
SUMMARY_TEMPLATES = {Format.MARKDOWN: "summary.md.j2", Format.TEXT: "summary.txt.j2"}


@dataclass
class SummaryResult:
    queued: int = 0
    already: int = 0
    projects_without_leaders: list[str] = field(default_factory=list)


def queue_summaries(
    engine: Engine,
    *,
    as_of: date,
    now: datetime,
    period: str,
    attachments_dir: Path,
    projects: list[str] | None = None,
    formats: FormatOf = builtin_format,
    calendar: WorkCalendar | None = None,
    policy: Policy | None = None,
    on_project: Callable[[str], None] = lambda _code: None,
) -> SummaryResult:
    """Queue this period's summary once per leadership channel, written in its kind's format.

    With ``calendar`` and ``policy``, the monthly summary also says whether the acceptance can
    pass as of ``as_of`` and which binding standards block it (:mod:`jobs.selfcheck`).
    ``on_project`` is told each project done (nationally a chart each takes minutes in all).
    """
    result = SummaryResult()
    with session_scope(engine) as session:
        planned: list[tuple[str, int, list[Channel], Summary]] = []
        for facts in load_projects(session, projects):
            project = project_by_code(session, code=facts.code)
            assert project is not None and project.id is not None  # its facts were just loaded from it
            leaders = leader_channels(session, project_id=project.id)
            if not leaders:
                result.projects_without_leaders.append(facts.code)
                on_project(facts.code)
                continue
            summary = build_summary(facts, as_of, period)
            if period == "month" and calendar is not None and policy is not None and facts.indicators:
                check = selfcheck_of(session, facts, as_of=as_of, calendar=calendar, policy=policy)
                summary = replace(summary, acceptance=tuple(outcome_lines(check)))
            planned.append((facts.code, project.id, leaders, summary))

        def dedup_of(code: str, summary: Summary, channel: Channel) -> str:
            return f"summary/{period}/{summary.period_label}/{code}/{channel.code}"

        earlier = outbox.queued_among(  # asked once: a province has 1,500 leaders' channels
            session,
            dedup_keys=[dedup_of(c, s, channel) for c, _, leaders, s in planned for channel in leaders],
        )
        charts = _charts([summary for *_, summary in planned], attachments_dir)
        for (code, project_id, leaders, summary), chart in zip(planned, charts, strict=True):
            subject = f"【督办{summary.kind_label}】{summary.project_name}（{summary.period_label}）"
            for channel in leaders:
                dedup = dedup_of(code, summary, channel)
                if dedup in earlier:
                    result.already += 1
                    continue
                fmt = formats(channel.kind)
                email = fmt is Format.HTML  # with a plain-text alternative and the chart inline
                body = (
                    render_template(
                        "summary.html.j2", s=summary, subject=subject, chart=CHART_ID if chart else ""
                    )
                    if email
                    else render_template(SUMMARY_TEMPLATES[fmt], s=summary)
                )
                outbox.queue_delivery(
                    session,
                    dedup_key=dedup,
                    project_id=project_id,
                    channel_id=channel.id,
                    channel_code=channel.code,
                    subject=subject,
                    body=body,
                    text_body=render_template("summary.txt.j2", s=summary) if email else None,
                    kind=SUMMARY_KIND,
                    attachments=[chart] if chart else [],
                    created_at=now,
                    next_attempt_at=now,
                )
                result.queued += 1
            on_project(code)
    return result


def _charts(summaries: list[Summary], folder: Path) -> Iterator[dict[str, str] | None]:
    """Each summary's chart file (None for one without figures), in order. A chart takes about a
    fifth of a second to draw, so a province's are drawn by two forked workers, one per core."""
    wanted = [_chart_args(s) if s.figures else None for s in summaries]
    if sum(w is not None for w in wanted) < PARALLEL_CHARTS:
        drawn: Iterable[bytes | None] = map(_drawn, wanted)
        yield from (_chart_file(png, folder) if png else None for png in drawn)
        return
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        for png in pool.map(_drawn, wanted, chunksize=8):
            yield _chart_file(png, folder) if png else None


def _chart_args(summary: Summary) -> tuple[str, list[Bar]]:
    return f"{summary.project_name} 关键指标（{summary.period_label}）", summary.bars()


def _drawn(args: tuple[str, list[Bar]] | None) -> bytes | None:
    return progress_chart(*args) if args is not None else None


def _chart_file(png: bytes, folder: Path) -> dict[str, str]:
    path = folder / f"{hashlib.sha256(png).hexdigest()}.png"
    if not path.exists():
        write_atomically(path, png)
    return {
        "path": str(path.resolve()),
        "filename": "关键指标.png",
        "content_type": "image/png",
        "inline_id": CHART_ID,
    }
