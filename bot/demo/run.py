"""``duban demo``: the whole pipe on the bundled examples, in the data directory every verb reads.

The demo writes where ``duban status``, ``alerts``, ``summary`` and ``web`` look next (the data
directory: ``./data``, ``--data-dir`` or ``DUBAN_DATA_DIR``), and rebuilds it on every run. It
marks the folder as its own (:data:`MARKER`) and refuses to touch one that holds a real county's
projects; it never uses ``DUBAN_DATABASE_URL`` (a production database is not a demo's).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import DatabaseError, OperationalError

from bot.demo.backend import running_backend
from bot.demo.bundled import example_files
from bot.settings import DEFAULT_DATA_DIR
from bot.wiring import App
from db import overview
from db.plan import ImportReport
from domain.errors import ConfigurationError
from jobs.collect import CollectResult
from jobs.cycle import CycleResult, run_cycle
from jobs.deliver import DeliverResult
from jobs.evaluate import EvaluateResult
from jobs.import_plans import import_files

PLANS = ("pianguan.yaml", "zhaohua.yaml", "wenxi.yaml", "qinxian.yaml", "hunan.yaml", "hunan-qiyang.yaml")
LEDGER = "pianguan-ledger.xlsx"
MARKER = ".duban-demo"  # this data directory holds the demo's data, rebuilt on every run
# What the demo writes into the data directory (and removes before it runs again).
DATABASE_FILES = ("duban.db", "duban.db-journal", "duban.db-wal", "duban.db-shm")
WRITTEN = (*DATABASE_FILES, "evidence", "outbox", "attachments")


class Display(Protocol):
    """How the demo shows its steps: the CLI hands in its display (``bot.cli.display``)."""

    def done(self, text: str) -> None: ...

    def import_reports(self, reports: list[ImportReport]) -> None: ...

    def cycle_summary(
        self,
        collected: CollectResult | None,
        evaluated: EvaluateResult,
        delivered: DeliverResult,
        outbox: Path,
    ) -> None: ...


def run_demo(app: App, as_of: date, output: Display) -> CycleResult:
    """Rebuild the data directory, import the examples, collect from a local backend, notify."""
    if app.settings.database_url:
        raise ConfigurationError(
            "已设置 DUBAN_DATABASE_URL：演示只用数据目录里的 SQLite 数据库，不动正式数据库。"
            "请在不设置 DUBAN_DATABASE_URL 的情况下运行 duban demo"
        )
    data_dir = app.settings.data_dir
    _clear(app)
    settings = app.settings.model_copy(update={"delivery": "console"})
    with running_backend() as base_url:
        environ = {**app.environ, "DUBAN_DEMO_BACKEND_URL": base_url}
        demo = App.build(settings, environ, echo=app.echo)
        demo.init_database()
        (data_dir / MARKER).write_text("duban demo 的数据目录，每次演示都会重建。\n", encoding="utf-8")
        output.done(f"演示数据写入数据目录：{data_dir}（每次演示都会重建）")
        with example_files(PLANS) as plans:
            output.import_reports(import_files(demo.engine, plans))
        with example_files((LEDGER,)) as ledger:
            output.import_reports(import_files(demo.engine, ledger, project="pianguan"))
        output.done(f"本地演示数据后台：{base_url}/wenxi/monthly；按 {as_of} 运行一次刷新")
        result = run_cycle(demo, as_of=as_of, now=demo.clock(), trigger="demo")
    demo.engine.dispose()
    output.cycle_summary(result.collected, result.evaluated, result.delivered, settings.outbox_dir)
    duban = "duban" if data_dir == DEFAULT_DATA_DIR else f"duban --data-dir {data_dir}"
    output.done(
        f"接下来可以看：{duban} status --as-of {as_of}；{duban} alerts；{duban} summary --as-of {as_of}；"
        f"{duban} web --as-of {as_of}（先用 {duban} user add 添加网页用户）"
    )
    return result


def _clear(app: App) -> None:
    """Empty the data directory of an earlier demo; refuse one that holds a county's projects."""
    data_dir = app.settings.data_dir
    if (data_dir / "duban.db").exists() and not (data_dir / MARKER).exists() and _has_projects(app):
        raise ConfigurationError(
            f"数据目录 {data_dir} 里已有正式数据（已导入的项目），演示不会覆盖它。"
            "请换一个目录演示，例如：duban --data-dir data-demo demo"
        )
    app.engine.dispose()
    for name in WRITTEN:
        path = data_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)


def _has_projects(app: App) -> bool:
    try:
        with app.engine.connect() as connection:
            return bool(overview.projects(connection))
    except OperationalError:  # no tables yet (a first `duban status` creates an empty file)
        return False
    except DatabaseError:  # not a database duban can read: not ours to delete
        return True
