"""A run with nothing new is skipped, and skipping never changes what anyone is told.

Two worlds are driven through the same steps with the same clock: one judges every run in full
(``force``), the other lets ``run_evaluate`` skip what it may. After every step their outboxes
(message for message) and their alerts are the same — on the demo's five example plans with a
figure entered, an alert acknowledged, an item closed and a silence running out, and over the
偏关 National Day 2023 replay run twice a day. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.clock import office_morning
from bot.wiring import App
from db.engine import session_scope
from db.models import Alert, Delivery, JobRun
from domain.workdays import OFFICE_TZ
from jobs import acks
from jobs.cycle import run_evaluate
from jobs.evaluate import EvaluateResult
from jobs.manual import close_item, record_figure
from jobs.unchanged import Skipped
from tests.conftest import database_for
from tests.scenario_world import days, import_example, make_app, run_day

DEMO = ("pianguan.yaml", "zhaohua.yaml", "wenxi.yaml", "qinxian.yaml", "hunan.yaml", "hunan-qiyang.yaml")
DAY = date(2023, 10, 16)  # a Monday: 偏关's items are overdue, 闻喜 has no September figures


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OFFICE_TZ)


class Worlds:
    """The same duban twice: ``quiet`` may skip, ``full`` always judges."""

    def __init__(self, quiet: App, full: App) -> None:
        self.quiet, self.full = quiet, full

    def both(self, step) -> None:  # type: ignore[no-untyped-def]
        step(self.quiet)
        step(self.full)

    def run(self, day: date, now: datetime, project: str | None = None) -> bool:
        """Run the evaluate job in both worlds; True when the quiet world skipped."""
        quiet = run_evaluate(self.quiet, as_of=day, now=now, project=project)
        full = run_evaluate(self.full, as_of=day, now=now, project=project, force=True)
        assert not isinstance(full, Skipped)
        if not isinstance(quiet, Skipped):
            assert sorted(f.key + "@" + f.stage for f in quiet.findings) == sorted(
                f.key + "@" + f.stage for f in full.findings
            )
        assert outbox(self.quiet) == outbox(self.full)
        assert alerts(self.quiet) == alerts(self.full)
        return isinstance(quiet, Skipped)


def outbox(app: App) -> list[tuple[str, str, str | None, str]]:
    with Session(app.engine) as session:
        rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
        return [(d.dedup_key, d.channel_code, d.subject, d.body) for d in rows]


def alerts(app: App) -> list[tuple[object, ...]]:
    """Every alert as a person sees it (``last_seen_at``, a bookkeeping time, left out)."""
    with Session(app.engine) as session:
        rows = session.exec(select(Alert).order_by(col(Alert.key))).all()
        return [
            (a.key, a.state, a.stage, a.notify_count, a.last_notified_at, a.escalated_at,
             a.resolved_at, a.last_as_of, a.state_reason, a.payload)
            for a in rows
        ]  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def worlds(request, tmp_path) -> Iterator[Worlds]:  # type: ignore[no-untyped-def]
    with ExitStack() as stack:
        apps = []
        for name in ("quiet", "full"):
            url = stack.enter_context(database_for(request, request.param))
            app = make_app(tmp_path / name, database_url=url)
            stack.callback(app.engine.dispose)
            apps.append(app)
        yield Worlds(*apps)


def test_the_same_day_again_is_skipped_and_leaves_everything_as_it_was(worlds: Worlds) -> None:
    worlds.both(lambda app: import_example(app, *DEMO))
    assert not worlds.run(DAY, at(DAY, 9))
    queued = outbox(worlds.quiet)
    assert queued, "the first run tells the overdue items"
    assert worlds.run(DAY, at(DAY, 9, 30))
    assert outbox(worlds.quiet) == queued
    with Session(worlds.quiet.engine) as session:
        last = session.exec(select(JobRun).order_by(col(JobRun.id).desc())).first()
    assert last is not None and last.job == "evaluate" and last.counts["skipped"] == 1
    assert last.counts["findings"] > 0 and last.status == "succeeded"


def test_anything_new_is_judged_in_full_and_agrees_with_a_full_evaluation(worlds: Worlds) -> None:
    worlds.both(lambda app: import_example(app, *DEMO))
    assert not worlds.run(DAY, at(DAY, 9))

    def figure(app: App) -> None:
        record_figure(
            app, project="wenxi", indicator="S36", month="2023-09", value=260, unit=None,
            cumulative=False, evidence=None, note=None, now=at(DAY, 10),
        )  # fmt: skip

    worlds.both(figure)
    assert not worlds.run(DAY, at(DAY, 10, 5)), "a new figure is judged"
    assert worlds.run(DAY, at(DAY, 10, 6))

    key = _an_open_alert(worlds.quiet, "pianguan")
    worlds.both(lambda app: _ack(app, key, at(DAY, 11)))
    assert not worlds.run(DAY, at(DAY, 11, 5)), "an acknowledgement is judged"
    assert worlds.run(DAY, at(DAY, 11, 6))

    worlds.both(lambda app: _close(app, "1", at(DAY, 12)))
    assert not worlds.run(DAY, at(DAY, 12, 5)), "a closed item is judged"
    assert worlds.run(DAY, at(DAY, 12, 6))

    other = _an_open_alert(worlds.quiet, "zhaohua")
    worlds.both(lambda app: _silence(app, other, until=at(DAY, 15), now=at(DAY, 13)))
    assert not worlds.run(DAY, at(DAY, 13, 5))
    assert worlds.run(DAY, at(DAY, 14, 59)), "the silence still holds"
    assert not worlds.run(DAY, at(DAY, 15, 1)), "the silence ended between the two runs"
    assert worlds.run(DAY, at(DAY, 15, 2))

    assert not worlds.run(DAY + timedelta(days=1), at(DAY + timedelta(days=1), 9)), "a new day is judged"
    assert not worlds.run(DAY, at(DAY + timedelta(days=1), 10)), "another day than the last run judged"


def test_the_pianguan_replay_run_twice_a_day_tells_exactly_what_one_full_run_a_day_tells(
    worlds: Worlds,
) -> None:
    worlds.both(lambda app: import_example(app, "pianguan.yaml"))
    closings = {date(2023, 10, 18): "13", date(2023, 10, 19): "1"}
    skipped = 0
    for day in days(date(2023, 9, 25), date(2023, 11, 10)):
        if day in closings:
            number = closings[day]
            worlds.both(lambda app, d=day, n=number: _close(app, n, at(d, 8)))
        assert not worlds.run(day, at(day, 9), "pianguan")
        skipped += worlds.run(day, at(day, 9, 5), "pianguan")
    assert skipped == len(days(date(2023, 9, 25), date(2023, 11, 10)))
    assert len(outbox(worlds.quiet)) >= 15


def _close(app: App, number: str, now: datetime) -> None:
    close_item(app, project="pianguan", batch="", number=number, result="已整改到位", evidence=None, now=now)


def _an_open_alert(app: App, project: str) -> str:
    with Session(app.engine) as session:
        keys = session.exec(
            select(Alert.key).where(Alert.state == "open", col(Alert.key).startswith(project + "/"))
        ).all()
    assert keys, f"{project} has open alerts on {DAY}"
    return sorted(keys)[0]


def _ack(app: App, key: str, now: datetime) -> None:
    with session_scope(app.engine) as session:
        project = key.split("/")[0]
        assert acks.acknowledge(session, project=project, key=key, reason="正在整改", actor="高权", now=now)


def _silence(app: App, key: str, *, until: datetime, now: datetime) -> None:
    with session_scope(app.engine) as session:
        project = key.split("/")[0]
        acks.silence(session, project=project, key=key, until=until, reason="等待批复", actor="高权", now=now)


def test_duban_notify_again_skips_the_judgement_but_still_sends_what_is_queued(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli_first_look import EXAMPLES, duban

    assert duban(tmp_path, "import", str(EXAMPLES / "pianguan.yaml")).returncode == 0
    app = make_app(tmp_path)  # ./data, as the commands below see it
    queued = run_evaluate(app, as_of=DAY, now=office_morning(DAY)).deliveries  # judged, never sent
    app.engine.dispose()
    assert queued > 0

    again = duban(tmp_path, "-v", "notify", "--as-of", str(DAY))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "数据、方案和提醒自上次评估后没有变化，不再重新评估" in again.stdout
    assert f"发送：成功 {queued} 条" in again.stdout
    assert "数据、方案和提醒自上次评估后没有变化，跳过评估" in again.stderr

    forced = duban(tmp_path, "notify", "--as-of", str(DAY), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "项需关注，其中 0 项本次提醒" in forced.stdout
    assert "发送：成功 0 条" in forced.stdout


def test_a_failed_evaluation_or_a_write_while_judging_leaves_no_mark(app: App) -> None:
    from jobs.unchanged import evaluate_remembered, unchanged_since_last

    import_example(app, "pianguan.yaml", "wenxi.yaml")
    nine, ten = at(DAY, 9), at(DAY, 10)
    run_evaluate(app, as_of=DAY, now=nine)
    assert unchanged_since_last(app, as_of=DAY, now=nine, project=None) is not None

    def fails() -> EvaluateResult:
        raise RuntimeError("cut off")

    with pytest.raises(RuntimeError):
        evaluate_remembered(app, fails, as_of=DAY, now=nine, project=None)
    assert unchanged_since_last(app, as_of=DAY, now=nine, project=None) is None

    def overlapped() -> EvaluateResult:
        result = run_day(app, DAY)  # judged before the figure below was there
        record_figure(
            app, project="wenxi", indicator="S36", month="2023-09", value=260, unit=None,
            cumulative=False, evidence=None, note=None, now=ten,
        )  # fmt: skip
        return result

    evaluate_remembered(app, overlapped, as_of=DAY, now=nine, project=None)
    assert unchanged_since_last(app, as_of=DAY, now=nine, project=None) is None
