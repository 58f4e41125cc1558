"""The 销号 loop: reply links in reminders, results submitted through them, and the review.

A reminder to one person (a channel of a personal kind with that person as its only member)
carries a link made of a random token; only its SHA-256 is stored, with an expiry, so a link can
be revoked and a stolen database holds no working link. Through it the person sees their own open
items and submits a 整改结果 with evidence files; nothing is closed until the coordinator reviews
it. Approving closes the item exactly as ``duban close-item`` does (one "已解决" follows from the
next evaluation, run at once); returning it tells the person why, on their own channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session

from collectors.limits import DEFAULT_MAX_BYTES
from db import item_history, outbox, replies
from db.channels import channel_ids, load_channels
from db.engine import session_scope
from db.evidence import store_evidence
from db.models import ItemSubmission, RectificationItem
from db.plan import close_item as close_item_row
from domain.enums import SubmissionState
from domain.errors import DubanError
from domain.workdays import OFFICE_TZ
from jobs.context import Context
from jobs.cycle import run_evaluate
from jobs.manual import refuse_closed
from jobs.reply_links import hash_token, person_of
from jobs.uploads import Upload, check_upload, upload_origin
from notifiers.base import Format
from notifiers.render import render_template

MAX_FILES = 5
MAX_RESULT = 2000  # characters of a submitted result


class ReplyError(DubanError):
    """A submission or review that cannot be taken; the message says why, in Chinese."""


def submit(
    app: Context,
    *,
    token: str,
    item_id: int,
    result: str,
    uploads: Sequence[Upload],
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    hourly: int = 10,
) -> ItemSubmission:
    """Keep a person's 整改结果 and files for review (state 待审核); nothing is closed yet."""
    result = result.strip()
    if not result:
        raise ReplyError("请填写整改结果")
    if len(result) > MAX_RESULT:
        raise ReplyError(f"整改结果最多 {MAX_RESULT} 个字，请精简后再提交")
    files = [u for u in uploads if u.data]
    if len(files) > MAX_FILES:
        raise ReplyError(f"一次最多上传 {MAX_FILES} 个文件")
    kinds = [check_upload(u, max_bytes) for u in files]
    with session_scope(app.engine) as session:
        person = person_of(session, token, now)
        if person is None or person.id is None:
            raise ReplyError("链接已失效（过期或已撤销），请联系工作专班")
        link = hash_token(token)
        if replies.submissions_since(session, link_hash=link, since=now - timedelta(hours=1)) >= hourly:
            raise ReplyError(f"这个链接一小时内最多提交 {hourly} 次，请稍后再试")
        item = next((i for i in replies.open_items_of(session, person=person) if i.id == item_id), None)
        if item is None or item.id is None:
            raise ReplyError("这个事项不在您名下，或已经销号")
        proofs = [
            store_evidence(
                session,
                app.evidence_dir,
                u.data,
                origin=upload_origin(u.name, kind.suffix),
                content_type=kind.content_type,
                fetched_at=now,
            )
            for u, kind in zip(files, kinds, strict=True)
        ]
        submission = ItemSubmission(
            item_id=item.id,
            person_id=person.id,
            link_hash=link,
            result=result,
            evidence_ids=[p.id for p in proofs if p.id is not None],
            submitted_at=now,
        )
        return replies.add_submission(session, submission=submission)


def _decide(
    session: Session,
    submission_id: int,
    state: SubmissionState,
    *,
    reviewer: str,
    reason: str | None,
    now: datetime,
) -> tuple[ItemSubmission, RectificationItem]:
    """Record the coordinator's verdict on a pending submission; a reviewed one is refused."""
    submission = replies.submission_by_id(session, submission_id=submission_id)
    if submission is None:
        raise ReplyError("没有这份整改结果")
    if submission.state is not SubmissionState.PENDING:
        when = submission.reviewed_at.astimezone(OFFICE_TZ) if submission.reviewed_at else None
        raise ReplyError(f"这份整改结果已于 {when:%Y-%m-%d} 由{submission.reviewer}审核过")
    item = item_history.item_by_id(session, item_id=submission.item_id)
    assert item is not None
    replies.review(session, submission=submission, state=state, reviewer=reviewer, reason=reason, now=now)
    return submission, item


def approve(
    app: Context, *, submission_id: int, reviewer: str, as_of: date, now: datetime
) -> tuple[RectificationItem, int]:
    """销号 with the submitted result and its first file, then evaluate the project at once, so the
    one "已解决" is queued with the closing — the path ``duban close-item`` takes. Returns the item
    and how many "已解决" messages were queued (none when it had never been reminded of)."""
    with session_scope(app.engine) as session:
        submission, item = _decide(
            session, submission_id, SubmissionState.APPROVED, reviewer=reviewer, reason=None, now=now
        )
        refuse_closed(item)  # the check duban close-item makes
        proof = submission.evidence_ids[0] if submission.evidence_ids else None
        close_item_row(session, item=item, result=submission.result, evidence_id=proof, now=now)
        project = replies.project_of(session, project_id=item.project_id)
        assert project is not None
        code = project.code
    evaluated = run_evaluate(app, as_of=as_of, now=now, project=code, trigger="web")
    return item, evaluated.deliveries


RETURNED = {
    Format.MARKDOWN: "returned.md.j2",
    Format.HTML: "returned.html.j2",
    Format.TEXT: "returned.txt.j2",
}


def send_back(app: Context, *, submission_id: int, reviewer: str, reason: str, now: datetime) -> int:
    """Return a submission with the coordinator's reason and tell the person on each channel they
    are a member of (not the leaders'); returns how many messages were queued."""
    reason = reason.strip()
    if not reason:
        raise ReplyError("退回时请写明原因，责任人会收到")
    with session_scope(app.engine) as session:
        returned = SubmissionState.RETURNED
        submission, item = _decide(
            session, submission_id, returned, reviewer=reviewer, reason=reason, now=now
        )
        person = item_history.people_by_id(session, ids=[submission.person_id]).get(submission.person_id)
        project = replies.project_of(session, project_id=item.project_id)
        assert person is not None and project is not None and project.id is not None
        heading = f"{item.batch}问题{item.number}" if item.batch else f"问题{item.number}"
        context = {"person": person.name, "item": heading, "problem": item.problem, "reason": reason}
        context["reviewer"] = reviewer
        queued, ids = 0, channel_ids(session)
        for channel in load_channels(session, [project.code]):
            if channel.leadership or person.name not in channel.names():
                continue
            fmt = app.channels.format_of(channel.kind)
            outbox.queue_delivery(
                session,
                dedup_key=f"returned/{submission_id}/{channel.code}",
                project_id=project.id,
                channel_id=ids.get((project.id, channel.code)),
                channel_code=channel.code,
                subject=f"{project.name} · 整改结果被退回：{heading}",
                body=render_template(RETURNED[fmt], **context),
                text_body=render_template(RETURNED[Format.TEXT], **context) if fmt is Format.HTML else None,
                mentions=[person.name],
                alert_keys=[],
                created_at=now,
                next_attempt_at=now,
            )
            queued += 1
    return queued
