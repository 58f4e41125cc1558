"""A real duban on a temporary SQLite database, driven day by day like the scheduler would.

Used by the scenario and alert tests: import an example plan, run the evaluate job for a date
(with the "now" a run on that date would have), and read back what went into the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from bot.clock import office_morning
from bot.settings import Settings
from bot.wiring import App
from db.models import Delivery
from domain.keys import Question
from domain.keys import parse as parse_key
from jobs.evaluate import EvaluateResult, evaluate_and_queue
from jobs.import_plans import import_files

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass(frozen=True)
class Sent:
    """One digest as queued: the channel and each alert it reports as ``key@stage``."""

    channel: str
    told: tuple[str, ...]
    body: str


def make_app(tmp_path: Path, **settings: object) -> App:
    app = App.build(Settings(data_dir=tmp_path / "data", **settings), {})  # type: ignore[arg-type]
    app.init_database()
    return app


def import_example(app: App, *names: str) -> None:
    import_files(app.engine, [EXAMPLES / name for name in names])


def run_day(app: App, day: date, project: str | None = None, *, dry_run: bool = False) -> EvaluateResult:
    return evaluate_and_queue(
        app.engine,
        as_of=day,
        now=office_morning(day),
        calendar=app.calendar,
        policy=app.policy,
        alert_policy=app.alert_policy,
        projects=[project] if project else None,
        dry_run=dry_run,
        public_url=app.public_url,
    )


def sent_by(result: EvaluateResult) -> list[Sent]:
    """What one run queued, channel by channel, with the stage each alert was told at."""
    out = []
    for delivery in result.queued:
        stages = {f.key: f.stage for f in result.findings}
        told = tuple(sorted(f"{key}@{stages.get(key, 'resolved')}" for key in delivery.alert_keys))
        out.append(Sent(delivery.channel_code, told, delivery.body))
    return sorted(out, key=lambda s: s.channel)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def outbox_count(app: App) -> int:
    with Session(app.engine) as session:
        return len(session.exec(select(col(Delivery.id))).all())


def item_number(told: str) -> str:
    """``pianguan/item/-/13/deadline/2023-10-20@remind-3`` → ``13@remind-3``."""
    key, _, stage = told.partition("@")
    parsed = parse_key(key)
    assert parsed.item_number is not None and parsed.question[:1] == (Question.DEADLINE,), told
    return f"{parsed.item_number}@{stage}"
