"""Collection rounds and their work items (several instances on PostgreSQL, jobs/collect_spread).

Data-access functions in the house style: keyword-only, given the session, no commit. Claiming
reads items ``FOR UPDATE SKIP LOCKED``, so two instances looking at once never see the same row;
whether a claimed item's instance is still alive is its advisory lock's business (db/advisory).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from db.models import CollectItem, CollectRound
from domain.enums import WorkStatus


def open_round(
    session: Session,
    *,
    started_at: datetime,
    as_of: date | None,
    month: str | None,
    deadline: datetime,
    items: Sequence[dict[str, Any]],
) -> int:
    """A new round with ``items`` (project_id, project_code, source_code, lane) pending; its id."""
    round_ = CollectRound(started_at=started_at, as_of=as_of, month=month, deadline=deadline)
    session.add(round_)
    session.flush()
    assert round_.id is not None
    session.add_all(CollectItem(round_id=round_.id, **item) for item in items)
    return round_.id


def _open_work(now: datetime) -> Any:
    """Unfinished items of rounds still open: a round whose leader died is left at its deadline."""
    return (
        (col(CollectItem.status) != WorkStatus.DONE)
        & col(CollectRound.closed_at).is_(None)
        & (col(CollectRound.deadline) > now)
    )


def lanes_with_work(session: Session, *, now: datetime) -> list[str]:
    """The lanes (hosts) that have unfinished items in an open round."""
    query = select(CollectItem.lane).join(CollectRound).where(_open_work(now)).distinct()
    return list(session.exec(query).all())


def claimable(
    session: Session, *, lane: str, limit: int, now: datetime
) -> list[tuple[CollectItem, CollectRound]]:
    """Up to ``limit`` unfinished items of ``lane`` in open rounds, unclaimed ones first, locked
    for this transaction; rows another instance is looking at are skipped, not waited for."""
    query = (
        select(CollectItem, CollectRound)
        .join(CollectRound)
        .where(_open_work(now), col(CollectItem.lane) == lane)
        # Unclaimed items first: claimed ones are looked at only for a holder that died.
        .order_by(col(CollectItem.status) == WorkStatus.CLAIMED, col(CollectItem.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=CollectItem)
    )
    return [(item, round_) for item, round_ in session.exec(query).all()]


def claim(session: Session, *, item: CollectItem, by: str) -> None:
    item.status, item.claimed_by = WorkStatus.CLAIMED, by
    session.add(item)


def finish(
    session: Session,
    *,
    item_id: int,
    by: str,
    at: datetime,
    figures: int,
    revisions: int,
    filings: int,
    failures: list[str],
) -> bool:
    """Mark the item done if it is still ``by``'s; False when the round gave it up meanwhile
    (the caller then rolls back what it stored)."""
    done: Any = session.execute(
        update(CollectItem)
        .where(
            col(CollectItem.id) == item_id,
            col(CollectItem.claimed_by) == by,
            col(CollectItem.status) == WorkStatus.CLAIMED,
        )
        .values(
            status=WorkStatus.DONE,
            finished_at=at,
            figures=figures,
            revisions=revisions,
            filings=filings,
            failures=failures,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)


def round_items(session: Session, *, round_id: int) -> list[CollectItem]:
    query = select(CollectItem).where(col(CollectItem.round_id) == round_id).order_by(col(CollectItem.id))
    return list(session.exec(query).all())


def close_round(session: Session, *, round_id: int, at: datetime) -> None:
    """No more claims in this round (every item is done, or the leader gave up on the rest)."""
    session.execute(update(CollectRound).where(col(CollectRound.id) == round_id).values(closed_at=at))


def forget_rounds(session: Session, *, before: datetime) -> None:
    """Drop rounds started before ``before`` with their items: the attempts keep what happened."""
    old = select(CollectRound.id).where(col(CollectRound.started_at) < before)
    session.execute(delete(CollectItem).where(col(CollectItem.round_id).in_(old)))
    session.execute(delete(CollectRound).where(col(CollectRound.id).in_(old)))


def give_up(session: Session, *, round_id: int, at: datetime, failures: dict[int, str]) -> list[int]:
    """Close the round; each item of ``failures`` still unfinished is done with that failure.

    Returns the items given up: one an instance finished meanwhile keeps its results.
    """
    close_round(session, round_id=round_id, at=at)
    given_up = []
    for item_id, failure in failures.items():
        changed: Any = session.execute(
            update(CollectItem)
            .where(col(CollectItem.id) == item_id, col(CollectItem.status) != WorkStatus.DONE)
            .values(status=WorkStatus.DONE, finished_at=at, failures=[failure])
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount == 1:
            given_up.append(item_id)
    return given_up
