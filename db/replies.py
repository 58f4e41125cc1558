"""Reply links and the submissions made through them: the ``replylink`` and ``itemsubmission``
tables. Tokens are hashed before they get here (``jobs.replies``); this module stores and finds
rows. Keyword-only, given the session, no commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, func, select, update

from db.models import ItemSubmission, Person, Project, RectificationItem, ReplyLink
from domain.enums import ItemStatus, SubmissionState


def add_link(
    session: Session, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime
) -> None:
    """Keep a new link (and forget the links that expired before ``now``)."""
    session.exec(delete(ReplyLink).where(col(ReplyLink.expires_at) < now))
    session.add(ReplyLink(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at))


def link_person(session: Session, *, token_hash: str, now: datetime) -> Person | None:
    """The person a link opens for: None when it never existed, was revoked or has expired."""
    link = session.get(ReplyLink, token_hash)
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    return session.get(Person, link.person_id)


def revoke_links(session: Session, *, person_id: int, now: datetime) -> int:
    """Revoke every live link of a person; returns how many were live."""
    query = (
        update(ReplyLink)
        .where(col(ReplyLink.person_id) == person_id, col(ReplyLink.revoked_at).is_(None))
        .where(col(ReplyLink.expires_at) > now)
        .values(revoked_at=now)
    )
    return int(session.exec(query).rowcount)


def live_links(session: Session, *, person_ids: list[int], now: datetime) -> dict[int, int]:
    """Person id → how many of their links still work."""
    query = (
        select(ReplyLink.person_id, func.count())
        .where(col(ReplyLink.person_id).in_(person_ids), col(ReplyLink.revoked_at).is_(None))
        .where(col(ReplyLink.expires_at) > now)
        .group_by(col(ReplyLink.person_id))
    )
    return {person: count for person, count in session.exec(query).all()}


def person_by_name(session: Session, *, project_id: int, name: str) -> Person | None:
    return session.exec(select(Person).where(Person.project_id == project_id, Person.name == name)).first()


def people_named(session: Session, *, project_id: int, names: list[str]) -> list[Person]:
    query = select(Person).where(Person.project_id == project_id, col(Person.name).in_(names))
    return list(session.exec(query.order_by(col(Person.id))).all())


def open_items_of(session: Session, *, person: Person) -> list[RectificationItem]:
    """The person's items not yet closed, in the plan's order (persons are a JSON list: read here)."""
    query = select(RectificationItem).where(
        RectificationItem.project_id == person.project_id, RectificationItem.status == ItemStatus.OPEN
    )
    rows = session.exec(query.order_by(col(RectificationItem.id))).all()
    return [row for row in rows if person.name in row.persons]


def project_of(session: Session, *, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def add_submission(session: Session, *, submission: ItemSubmission) -> ItemSubmission:
    session.add(submission)
    session.flush()
    return submission


def submissions_since(session: Session, *, link_hash: str, since: datetime) -> int:
    """How many submissions came through one link after ``since`` (the link's rate limit)."""
    query = select(func.count()).where(
        ItemSubmission.link_hash == link_hash, col(ItemSubmission.submitted_at) > since
    )
    return int(session.exec(query).one())


def submissions_of(session: Session, *, item_ids: list[int]) -> list[ItemSubmission]:
    """The submissions for these items, newest first."""
    query = select(ItemSubmission).where(col(ItemSubmission.item_id).in_(item_ids))
    return list(session.exec(query.order_by(col(ItemSubmission.id).desc())).all())


def submission_by_id(session: Session, *, submission_id: int) -> ItemSubmission | None:
    return session.get(ItemSubmission, submission_id)


def review(
    session: Session,
    *,
    submission: ItemSubmission,
    state: SubmissionState,
    reviewer: str,
    reason: str | None,
    now: datetime,
) -> None:
    """Record the coordinator's verdict on a pending submission."""
    submission.state, submission.reviewer, submission.reason = state, reviewer, reason
    submission.reviewed_at = now
    session.add(submission)
