"""Judging many projects on two cores says exactly what one process says: the same findings in
the same order, the same alerts and the same messages (jobs/judging.py)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from bot.wiring import App
from jobs import judging
from jobs.evaluate import EvaluateResult, evaluate_and_queue
from jobs.judging import Judged, judge_projects
from tests.scenario_world import import_example, office_morning, run_day, sent_by

DAY = date(2023, 10, 16)  # items overdue and due soon, targets behind: every kind of finding


class CountedPool(ProcessPoolExecutor):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        CountedPool.made += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def counties(app: App, monkeypatch: pytest.MonkeyPatch) -> App:
    """Three counties' plans (偏关, 昭化, 闻喜), and a pool that counts the workers it starts."""
    import_example(app, "pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
    CountedPool.made = 0
    monkeypatch.setattr(judging, "ProcessPoolExecutor", CountedPool)
    return app


def judged(app: App, *, parallel_from: int, quiet: bool = True) -> Judged:
    with Session(app.engine) as session:
        return judge_projects(
            session, None, DAY, app.calendar, app.policy, quiet=quiet, parallel_from=parallel_from
        )


@pytest.mark.both_databases
@pytest.mark.parametrize("quiet", [True, False])
def test_two_processes_find_what_one_finds_in_the_same_order(counties: App, quiet: bool) -> None:
    alone = judged(counties, parallel_from=1000, quiet=quiet)
    assert CountedPool.made == 0
    split = judged(counties, parallel_from=2, quiet=quiet)  # 1 or 2 projects in the worker
    assert CountedPool.made == 1
    assert alone.codes == split.codes == ["pianguan", "wenxi", "zhaohua"]
    assert len({f.project for f in alone.findings}) == 3 and len(alone.findings) > 40
    assert split.findings == alone.findings  # finding for finding, in order
    assert split.names == alone.names and split.clearings == alone.clearings


def dry_run(app: App, day: date) -> EvaluateResult:
    return evaluate_and_queue(
        app.engine,
        as_of=day,
        now=office_morning(day),
        calendar=app.calendar,
        policy=app.policy,
        alert_policy=app.alert_policy,
        dry_run=True,
    )


@pytest.mark.both_databases
def test_notify_on_two_cores_decides_and_writes_what_one_process_does(
    counties: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_day(counties, date(2023, 10, 9))  # alerts already open, so the next day decides over them
    alone = dry_run(counties, DAY)
    monkeypatch.setattr(judging, "PARALLEL_FROM", 2)
    split = dry_run(counties, DAY)
    assert CountedPool.made == 1
    assert split.findings == alone.findings and sent_by(split) == sent_by(alone)
    assert (split.notified, split.resolved, split.unrouted) == (
        alone.notified,
        alone.resolved,
        alone.unrouted,
    )
    assert alone.deliveries > 0 and alone.notified > 0
    written = run_day(counties, DAY)  # the worker's connection leaves the parent's transaction whole
    assert CountedPool.made == 2 and sent_by(written) == sent_by(alone)
    assert run_day(counties, DAY).deliveries == 0  # and what it wrote was committed
