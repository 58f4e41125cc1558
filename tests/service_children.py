"""Child processes for the service tests: they hold the lock, or die in the middle of a run.

Run as ``python -m tests.service_children WHAT DATA_DIR [BACKEND]`` from the repository root; the
database is SQLite in DATA_DIR unless DUBAN_DATABASE_URL names another.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

from bot.service import Service
from bot.settings import Settings
from bot.wiring import App
from domain.workdays import OFFICE_TZ
from jobs.lock import held
from notifiers.base import Message, Notifier, Part

SENT_LOG = "sent.log"


class Recording(Notifier):
    """Accepts every message and appends its delivery id to ``sent.log``; optionally dies first."""

    def __init__(self, data_dir: Path, die_on: int | None = None) -> None:
        self.log, self.die_on = data_dir / SENT_LOG, die_on

    def send_part(self, message: Message, part: Part) -> None:
        sent = self.log.read_text().split() if self.log.exists() else []
        if self.die_on is not None and len(sent) + 1 == self.die_on:
            os._exit(3)  # the power cut: no cleanup, no finally, the lock and the run row stay behind
        with self.log.open("a") as handle:
            handle.write(f"{message.delivery_id}\n")
            handle.flush()
            os.fsync(handle.fileno())


def sent_ids(data_dir: Path) -> list[int]:
    log = data_dir / SENT_LOG
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def main() -> None:
    what, data_dir = sys.argv[1], Path(sys.argv[2])
    settings = Settings(data_dir=data_dir, database_url=os.environ.get("DUBAN_DATABASE_URL") or None)
    app = App.build(settings, {"DUBAN_DEMO_BACKEND_URL": sys.argv[3] if len(sys.argv) > 3 else ""})
    if what == "hold":
        with held(app.engine, label="另一个进程的测试任务", purpose="test", clock=app.clock):
            print("held", flush=True)
            sys.stdin.read()  # until the test closes our stdin
        print("released", flush=True)
    elif what == "crash-daily":
        moment = datetime(2023, 10, 12, 9, 0, 30, tzinfo=OFFICE_TZ)
        app.notifier_for = lambda channel: Recording(data_dir, die_on=2)  # type: ignore[method-assign]
        service = Service(app, app.settings.schedule(), clock=lambda: moment)
        daily = next(spec for spec in service.specs if spec.id == "daily")
        service.due(daily, moment, "scheduled")
        raise SystemExit("the notifier should have ended this process")


if __name__ == "__main__":
    main()
