"""The change stamp and the evaluation mark: the ``changestamp`` and ``evaluationmark`` tables.

Triggers (migration 0022) advance the stamp whenever a row the evaluation reads is written by
anyone but the evaluation; the evaluation's own writes (alert rows, its events, the digests it
queues) never advance it. :data:`WATCHED`, :data:`PARTLY` and :data:`UNWATCHED` say, for every
table, which it is and why; ``tests/test_change_stamp.py`` holds the database to them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from db.models import Alert, ChangeStamp, EvaluationMark, Silence

# Every insert, update and delete counts.
WATCHED = frozenset(
    {
        "project", "person", "channel", "subscription", "source", "indicator", "rulebatch",
        "indicatortarget", "rectificationitem", "itemchange", "itemsubmission",
        "measurement", "evidence", "collectionattempt", "reportfiling", "silence",
    }
)  # fmt: skip
# Read and written by the evaluation: only the writes of others count.
PARTLY = {
    "alert": "deleted rows; acknowledging and silencing are counted by their alertevent",
    "alertevent": "events without an as-of day (acknowledged, silenced), and any update or delete",
    "delivery": "deleted rows and a changed dedup_key; sending is not news",
}
# Never read by the evaluation.
UNWATCHED = {
    "sendattempt": "the sender's log of attempts",
    "jobrun": "the record of runs",
    "joblock": "the run lock",
    "replylink": "links written into messages, never read to decide",
    "webuser": "web accounts",
    "webgrant": "which projects a web account may see",
    "websession": "web sessions",
    "loginfailure": "the web's login rate limit",
    "collectround": "collection work shared by instances",
    "collectitem": "collection work shared by instances",
    "changestamp": "the stamp itself",
    "evaluationmark": "what the last evaluation saw",
    "factsstamp": "moved by the watched tables' own triggers (migration 0023)",
    "factscache": "copies of what the watched tables held, checked against factsstamp",
}


def take_stamp(session: Session) -> int:
    """Forget the mark and advance the stamp; return the new stamp (an evaluation is starting).

    Advancing it makes each evaluation's stamp its own: of two evaluations that overlap, the one
    that started first finds the stamp moved on when it ends and leaves no mark.
    """
    session.execute(delete(EvaluationMark))
    session.execute(update(ChangeStamp).where(col(ChangeStamp.id) == 1).values(stamp=ChangeStamp.stamp + 1))
    return current_stamp(session)


def current_stamp(session: Session) -> int:
    return int(session.exec(select(ChangeStamp.stamp).where(col(ChangeStamp.id) == 1)).one())


def read_mark(session: Session) -> EvaluationMark | None:
    return session.get(EvaluationMark, 1)


def save_mark(
    session: Session,
    *,
    stamp: int,
    as_of: date,
    judged_at: datetime,
    settings: str,
    scope: str | None,
    findings: int,
) -> None:
    """Replace the mark: the last evaluation judged exactly ``stamp``."""
    session.execute(delete(EvaluationMark))
    session.add(
        EvaluationMark(
            id=1,
            stamp=stamp,
            as_of=as_of,
            judged_at=judged_at,
            settings=settings,
            scope=scope,
            findings=findings,
        )
    )


def forget_mark(session: Session) -> None:
    session.execute(delete(EvaluationMark))


def silences_turning(session: Session, *, after: datetime, until: datetime) -> list[datetime]:
    """When silences start or end in (``after``, ``until``]: either changes what is muted.

    Ending one early is a write (counted by the stamp), so only the times set ahead are asked.
    """
    found: list[datetime] = []
    for moment in (Silence.starts_at, Silence.ends_at):
        query = select(moment).where(
            col(Silence.expired_at).is_(None), col(moment) > after, col(moment) <= until
        )
        found.extend(session.exec(query))
    return sorted(found)


def next_silence_turn(session: Session, *, after: datetime) -> datetime | None:
    """The first moment after ``after`` at which a silence starts or ends, if any."""
    turns = [
        session.exec(
            select(func.min(moment)).where(col(Silence.expired_at).is_(None), col(moment) > after)
        ).one()
        for moment in (Silence.starts_at, Silence.ends_at)
    ]
    return min((t for t in turns if t is not None), default=None)


def repeats_by_clock(
    session: Session, *, after: datetime, until: datetime, every: timedelta
) -> list[datetime]:
    """When alerts told before the as-of day was kept (no ``told_on``) fall due for a repeat, in
    (``after``, ``until``]: their repeat interval is counted on the clock, not in days judged."""
    query = select(Alert.last_notified_at, Alert.payload).where(
        col(Alert.last_notified_at) > after - every, col(Alert.last_notified_at) <= until - every
    )
    return [told + every for told, payload in session.exec(query) if told and not _told_on(payload)]


def _told_on(payload: Any) -> bool:
    return isinstance(payload, dict) and bool(payload.get("told_on"))
