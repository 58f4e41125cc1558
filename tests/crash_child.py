"""The service's scheduled jobs in a child process that can be killed with SIGKILL at a chosen point.

Run as ``python -m tests.crash_child DATA_DIR NOW KILL REPORT`` from the repository root, with the
``DUBAN_*`` settings (live delivery to the fake servers) in the environment. It runs the latest
due slot of ``collect-monthly`` and then ``daily`` exactly as ``duban run`` does after a start
(catch-up through :class:`bot.service.Service`), with the clock fixed at ``NOW``.

``KILL`` says where the process kills itself, with a real SIGKILL (no cleanup, no ``finally``):

* ``none`` — run to the end;
* ``STAGE:N`` — at the N-th database commit of the stage ``collect``, ``evaluate`` or ``deliver``,
  before that commit reaches the database (``evaluate:4`` is the evaluation's one transaction,
  after the run's row, the change stamp taken for it (``jobs/unchanged.py``) and the copy of the
  facts it loaded afresh (``db/facts_cache.py``): the findings are computed, the alert state and
  outbox rows are not yet written);
* ``rename:N`` — at the N-th evidence file's rename: written to its temporary file, not yet renamed;
* ``sync:N`` — at the N-th flush of a batch's evidence to disk: the files are in place, no row
  refers to them yet.

The parent may also kill it from outside (the fake WeCom server does, after accepting a request).
``REPORT`` receives the commits counted per stage, as JSON, when the run ends normally.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

import db.evidence
import jobs.triggers
from bot.service import Service
from bot.settings import Settings
from bot.wiring import App

STAGES = {"run_collect": "collect", "run_evaluate": "evaluate", "run_deliver": "deliver"}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Tripwire:
    def __init__(self, kill: str) -> None:
        self.where, _, n = kill.partition(":")
        self.at = int(n) if n else 0
        self.stage = "start"
        self.commits: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def staged(self, name: str, run: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.stage = STAGES[name]
            try:
                return run(*args, **kwargs)
            finally:
                self.stage = "between"

        return wrapper

    def on_commit(self, _connection: Any) -> None:
        self.commits[self.stage] += 1
        if self.where == self.stage and self.commits[self.stage] == self.at:
            die()

    def before(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        """``real``, except that its N-th call during collection dies first when ``KILL`` is
        ``name:N``."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += self.stage == "collect"
            if self.where == name and self.calls[name] == self.at:
                die()
            return real(*args, **kwargs)

        return wrapper


def main() -> None:
    data_dir, now = Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2])
    kill, report = sys.argv[3], Path(sys.argv[4])
    settings = Settings.from_env(os.environ).model_copy(update={"data_dir": data_dir})
    app = App.build(settings, dict(os.environ))
    trip = Tripwire(kill)
    for name in STAGES:
        setattr(jobs.triggers, name, trip.staged(name, getattr(jobs.triggers, name)))
    event.listen(app.engine, "commit", trip.on_commit)
    db.evidence.os.replace = trip.before("rename", os.replace)  # type: ignore[attr-defined]
    db.evidence.DiskSync.flush = trip.before("sync", db.evidence.DiskSync.flush)  # type: ignore[method-assign]
    service = Service(app, app.settings.schedule(), clock=lambda: now)
    for spec in service.specs:
        if spec.id in ("collect-monthly", "daily"):
            service.due(spec, now, "catch-up")
    report.write_text(json.dumps(dict(trip.commits)))


if __name__ == "__main__":
    main()
