"""One rectification item's page, read from the database into plain rows for the template.

Problem, measures, units, persons and deadline; the reminders sent about it (when, to which
channel); the acknowledgements, silences and resolutions of its alerts; its history of changes;
its evidence; and the results submitted through reply links, with the coordinator's review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from db import item_history, replies
from db.models import Evidence, ItemChange, RectificationItem
from domain import keys
from domain.enums import ItemStatus, SubmissionState
from domain.labels import label
from domain.plan.schema import ItemSpec
from notifiers.render import cn_date

EVENT_LABELS = {
    "opened": "首次发现",
    "notified": "已提醒",
    "escalated": "已报告领导小组",
    "acknowledged": "已确认",
    "unacknowledged": "撤销确认",
    "silenced": "已静默",
    "resolved": "已解决",
    "reopened": "重新出现",
}
FIELD_LABELS = {
    "status": "状态",
    "result": "整改结果",
    "deadline": "整改时限",
    "problem": "问题",
    "measures": "整改措施",
}


@dataclass
class Reminder:
    at: datetime
    channel: str
    subject: str
    state: str


@dataclass
class Event:
    at: datetime
    what: str
    actor: str
    reason: str


@dataclass
class Change:
    at: datetime
    reason: str
    what: str


@dataclass
class Submission:
    id: int
    person: str
    result: str
    state: SubmissionState
    state_label: str
    at: datetime
    files: list[Evidence]
    review: str


@dataclass
class Holder:
    """A responsible person, and how many of their reply links still work."""

    id: int
    name: str
    live_links: int


@dataclass
class ItemPage:
    item: RectificationItem
    project_code: str
    project_name: str
    heading: str
    state: str
    evidence: Evidence | None
    holders: list[Holder]
    deadline: str
    reminders: list[Reminder]
    events: list[Event]
    changes: list[Change]
    submissions: list[Submission]


def _deadline(item: RectificationItem) -> str:
    """The deadline with its weekday, and the ledger's own words when they said it differently."""
    if item.deadline is None:
        return item.deadline_text or "未定"
    day = cn_date(item.deadline)
    said = item.deadline_text
    return f"{day}（台账原文：{said}）" if said and said not in day else day


def heading_of(item: RectificationItem | ItemSpec) -> str:
    return f"{item.batch}问题{item.number}" if item.batch else f"问题{item.number}"


def item_page(session: Session, item_id: int, now: datetime) -> ItemPage | None:
    item = item_history.item_by_id(session, item_id=item_id)
    project = replies.project_of(session, project_id=item.project_id) if item else None
    if item is None or item.id is None or project is None:
        return None
    prefix = keys.item(project.code, item.batch, item.number).prefix
    rows = replies.submissions_of(session, item_ids=[item.id])
    proof_ids = [i for s in rows for i in s.evidence_ids] + ([item.evidence_id] if item.evidence_id else [])
    proofs = item_history.evidence_rows(session, ids=proof_ids)
    people = replies.people_named(session, project_id=item.project_id, names=item.persons)
    live = replies.live_links(session, person_ids=[p.id for p in people if p.id is not None], now=now)
    names = item_history.people_by_id(session, ids=[s.person_id for s in rows])
    channels = item_history.channel_names(session, project_id=project.id or 0)
    return ItemPage(
        item=item,
        project_code=project.code,
        project_name=project.name,
        heading=heading_of(item),
        state=label(item.status) if item.status is ItemStatus.CLOSED else label(ItemStatus.OPEN),
        evidence=proofs.get(item.evidence_id) if item.evidence_id else None,
        holders=[Holder(p.id, p.name, live.get(p.id, 0)) for p in people if p.id is not None],
        deadline=_deadline(item),
        reminders=[
            Reminder(
                d.sent_at or d.created_at,
                channels.get(d.channel_code, d.channel_code),
                d.subject,
                label(d.status),
            )
            for d in item_history.reminders_about(session, project_id=project.id or 0, prefix=prefix)
        ],
        events=[
            Event(e.at, EVENT_LABELS.get(e.event, e.event), e.actor or "督办系统", e.reason)
            for e in item_history.events_about(session, project_id=project.id or 0, prefix=prefix)
        ],
        changes=[_change(c) for c in item_history.changes_of(session, item_id=item.id)],
        submissions=[
            Submission(
                id=s.id or 0,
                person=names[s.person_id].name if s.person_id in names else "",
                result=s.result,
                state=s.state,
                state_label=label(s.state),
                at=s.submitted_at,
                files=[proofs[i] for i in s.evidence_ids if i in proofs],
                review=_review(s.reviewer, s.reason),
            )
            for s in rows
        ],
    )


def _change(change: ItemChange) -> Change:
    """What changed, in words; an item's creation is one line, not every field it was made with."""
    if change.reason.endswith("（新建）"):  # db.plan.import_item's mark for a new item
        return Change(change.at, change.reason.removesuffix("（新建）"), "建立事项")
    pairs = {name: [*values, None, None][:2] for name, values in change.changes.items()}
    parts = [
        f"{FIELD_LABELS[name]}：{shown(old)} → {shown(new)}"
        for name, (old, new) in pairs.items()
        if name in FIELD_LABELS
    ]
    return Change(change.at, change.reason, "；".join(parts))


def shown(value: object) -> str:
    """A stored field value in words: empty, a list, yes/no, a status."""
    if value in (None, "", []):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if value in (ItemStatus.OPEN.value, ItemStatus.CLOSED.value):
        return label(ItemStatus(str(value)))
    return str(value)


def _review(reviewer: str | None, reason: str | None) -> str:
    if reviewer is None:
        return ""
    return f"{reviewer}审核" + (f"，退回原因：{reason}" if reason else "")
