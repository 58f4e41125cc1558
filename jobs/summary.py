"""The leaders' weekly and monthly summary: one short message per project to its 领导小组 channels.

Queued into the outbox like any digest, with a dedup key made of the period and the slot's date,
so a summary run twice for the same slot (a restart, a catch-up) queues it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.evaluation import Policy, evaluate
from bot.findings import Finding, FindingKind, Severity
from bot.workdays import WorkCalendar
from db.enums import ChannelKind, ItemStatus
from db.facts import load_projects
from db.models import Channel, Delivery, Project

PERIODS = {"weekly": "周报", "monthly": "月报"}
WEEKDAYS = "一二三四五六日"
SERIOUS = (FindingKind.OVERDUE, FindingKind.DELIVERABLE_OVERDUE, FindingKind.TARGET_MISSED)


@dataclass
class SummaryResult:
    findings: int = 0
    queued: int = 0


def queue_summaries(
    engine: Engine, *, period: str, as_of: date, now: datetime, calendar: WorkCalendar, policy: Policy
) -> SummaryResult:
    """Queue this period's summary for every project that has a leadership channel."""
    result = SummaryResult()
    with Session(engine, expire_on_commit=False) as session:
        for facts in load_projects(session):
            project = session.exec(select(Project).where(Project.code == facts.code)).one()
            channels = session.exec(
                select(Channel).where(Channel.project_id == project.id, Channel.leadership == True)  # noqa: E712
            ).all()
            if not channels:
                continue
            findings = evaluate([facts], as_of, calendar, policy)
            result.findings += len(findings)
            closed = sum(1 for item in facts.items if item.status is ItemStatus.CLOSED)
            lines = summary_lines(facts.name, PERIODS[period], as_of, findings, len(facts.items), closed)
            for channel in channels:
                key = f"summary/{period}/{as_of}/{facts.code}/{channel.code}"
                if session.exec(select(Delivery).where(Delivery.dedup_key == key)).first() is not None:
                    continue
                html = channel.kind is ChannelKind.EMAIL
                body = "".join(f"<p>{escape(line)}</p>" for line in lines) if html else "\n".join(lines)
                session.add(
                    Delivery(
                        dedup_key=key,
                        project_id=project.id or 0,
                        channel_id=channel.id,
                        channel_code=channel.code,
                        subject=lines[0],
                        body=body,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
                result.queued += 1
        session.commit()
    return result


def summary_lines(
    project: str, period: str, as_of: date, findings: list[Finding], items: int, closed: int
) -> list[str]:
    """The summary as lines: a title, the counts, then what is behind or overdue, most urgent first."""
    critical = sum(1 for f in findings if f.severity is Severity.CRITICAL)
    lines = [
        f"{project}领导小组{period}（截至 {as_of.year}年{as_of.month}月{as_of.day}日，"
        f"星期{WEEKDAYS[as_of.weekday()]}）",
        f"需关注事项 {len(findings)} 项，其中紧急 {critical} 项。",
    ]
    if items:
        overdue = sum(1 for f in findings if f.kind is FindingKind.OVERDUE)
        lines.append(
            f"整改事项共 {items} 项：已销号 {closed} 项，未销号 {items - closed} 项，其中逾期 {overdue} 项。"
        )
    for finding in findings:
        if finding.kind is FindingKind.BEHIND_PACE:
            d = finding.detail
            lines.append(
                f"{finding.subject}：截至 {d['month']} 月完成年度目标的 {d['completion']:.1f}%，"
                f"序时进度应达 {d['month'] / 12 * 100:.1f}%。"
            )
        elif finding.kind in SERIOUS:
            who = "、".join(finding.persons) or "（未指定责任人）"
            lines.append(f"{finding.subject}：{finding.kind.label}，责任人 {who}。")
    if len(lines) == 2 and not findings:
        lines.append("各项工作均按计划推进。")
    return lines
