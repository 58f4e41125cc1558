"""A run with nothing new is not judged again: it would decide exactly what the last one did.

An evaluation is a function of the rows it reads, the day judged, the settings and — through
silences, and the repeat interval of alerts told before the as-of day was kept — the judging
moment (:func:`domain.alerting.judging_moment`). Run twice on the same inputs it decides nothing
the second time: every reminder it owed was queued and its alert advanced by the first run, and
the digests' dedup keys hold the rest. So a run may be skipped when

* the change stamp is the one the last evaluation judged (no row it reads was written since,
  by anyone but the evaluation itself — ``db/change_stamp.py``);
* it judges the same as-of day, the same project (or all), with the same settings;
* no silence starts or ends, and no clock-counted repeat falls due, between the two judging moments.

The last evaluation is remembered only when the stamp did not move while it ran; an evaluation
that fails, or overlaps a write, leaves no mark and the next run judges in full. The skipped
run is still recorded (``jobrun`` with ``skipped``) and the outbox is still delivered.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar
from sqlmodel import Session

from db.change_stamp import (
    current_stamp,
    forget_mark,
    next_silence_turn,
    read_mark,
    repeats_by_clock,
    save_mark,
    silences_turning,
    take_stamp,
)
from db.engine import session_scope
from domain.alerting import judging_moment
from domain.workdays import OFFICE_TZ
from jobs.context import Context
from jobs.evaluate import EvaluateResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unchanged:
    """Why this run need not judge: the last evaluation's findings stand as they were."""

    findings: int
    as_of: date
    silence_turns: datetime | None  # the next moment a silence starts or ends, which a later run would see


def unchanged_since_last(
    app: Context, *, as_of: date, now: datetime, project: str | None
) -> Unchanged | None:
    """An :class:`Unchanged` when a full evaluation now would decide nothing the last did not."""
    at = judging_moment(now, as_of)
    with Session(app.engine) as session:  # reads only: nothing to commit
        mark = read_mark(session)
        if mark is None or mark.stamp != current_stamp(session):
            return None
        if mark.as_of != as_of or mark.scope != project or mark.settings != settings_digest(app):
            return None
        earlier, later = sorted((mark.judged_at, at))
        if silences_turning(session, after=earlier, until=later):
            return None
        every = app.alert_policy.repeat_every
        if repeats_by_clock(session, after=earlier, until=later, every=every):
            return None
        return Unchanged(mark.findings, as_of, next_silence_turn(session, after=at))


def evaluate_remembered(
    app: Context, evaluate: Callable[[], EvaluateResult], *, as_of: date, now: datetime, project: str | None
) -> EvaluateResult:
    """Run ``evaluate`` (a full evaluation) and remember what it judged, if nothing moved meanwhile."""
    with session_scope(app.engine) as session:
        stamp = take_stamp(session)
    result = evaluate()
    with session_scope(app.engine) as session:
        if current_stamp(session) != stamp:  # a write landed while judging: it may not have been seen
            forget_mark(session)
            return result
        save_mark(
            session,
            stamp=stamp,
            as_of=as_of,
            judged_at=judging_moment(now, as_of),
            settings=settings_digest(app),
            scope=project,
            findings=len(result.findings),
        )
    return result


def settings_digest(app: Context) -> str:
    """What the judgement depends on besides the database: the code, the calendar and the settings."""
    holidays, workdays = app.calendar.overrides
    parts = [
        _version(),
        chinese_calendar.__version__,
        repr(app.policy),
        repr(app.alert_policy),
        ",".join(sorted(map(str, holidays))),
        ",".join(sorted(map(str, workdays))),
        repr(app.public_url),
        repr(app.reply_link_days),
        *(
            f"{kind}:{app.channels.format_of(kind)}:{app.channels.personal(kind)}"
            for kind in app.channels.kinds
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _version() -> str:
    try:
        return version("duban")
    except PackageNotFoundError:  # a checkout used without installing
        return "unknown"


@dataclass
class Skipped(EvaluateResult):
    """The result of a run that did not judge: nothing notified, resolved or queued."""

    unchanged: Unchanged | None = None


def skipped(unchanged: Unchanged) -> Skipped:
    """Say in the log that the judgement was skipped and when time alone could change it."""
    ends = unchanged.silence_turns
    later = f"，或 {ends.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}（北京时间）有静默开始或结束时" if ends else ""
    log.info(
        "数据、方案和提醒自上次评估后没有变化，跳过评估（%s 的 %d 项需关注照旧）；下一次可能变化："
        "数据、方案或提醒有改动时，评估日换成 %s 或更晚时%s",
        unchanged.as_of,
        unchanged.findings,
        unchanged.as_of + timedelta(days=1),
        later,
    )
    return Skipped(unchanged=unchanged)
