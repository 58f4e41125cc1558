"""Judging many projects on two cores says exactly what one process says: the same findings in
the same order, the same alerts and the same messages (jobs/judging.py)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from bot.wiring import App
from domain.evaluation import evaluate as domain_evaluate
from domain.facts import ProjectFacts
from domain.findings import Finding
from jobs import judging
from jobs.judging import Judged, judge_projects
from tests.scenario_world import import_example, run_day, sent_by

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


@pytest.mark.both_databases
def test_notify_on_two_cores_decides_and_writes_what_one_process_does(
    counties: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_day(counties, date(2023, 10, 9))  # alerts already open, so the next day decides over them
    alone = run_day(counties, DAY, dry_run=True)
    monkeypatch.setattr(judging, "PARALLEL_FROM", 2)
    split = run_day(counties, DAY, dry_run=True)
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


def test_the_workers_warnings_are_said_by_the_command_once_each(
    counties: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A warning only the worker gives still reaches the person; one both halves give (a year
    the holiday table lacks) is said once, not once per process."""
    log = logging.getLogger("domain.evaluation")

    def evaluate(facts: list[ProjectFacts], *args: Any, **kwargs: Any) -> list[Finding]:
        log.warning("法定节假日表尚无 2031 年的数据")
        for project in facts:
            log.warning("项目 %s 已评估", project.code)
        return domain_evaluate(facts, *args, **kwargs)

    monkeypatch.setattr(judging, "evaluate", evaluate)  # the forked worker inherits it
    with caplog.at_level(logging.WARNING):
        judged(counties, parallel_from=2)
    assert CountedPool.made == 1
    said = [r.getMessage() for r in caplog.records if r.name == "domain.evaluation"]
    assert sorted(said) == [
        "法定节假日表尚无 2031 年的数据",
        "项目 pianguan 已评估",
        "项目 wenxi 已评估",
        "项目 zhaohua 已评估",
    ]


def test_a_worker_that_dies_costs_time_not_the_run(
    counties: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alone = judged(counties, parallel_from=1000)
    monkeypatch.setattr(judging, "_judged_apart", lambda *_: os._exit(9))  # as if killed by the OOM killer
    with caplog.at_level(logging.WARNING, logger="jobs.judging"):
        split = judged(counties, parallel_from=2)
    assert CountedPool.made == 1 and split.findings == alone.findings and split.codes == alone.codes
    assert "并行评估的子进程意外退出" in caplog.text
