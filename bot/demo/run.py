"""``duban demo``: the whole pipe on the embedded defaults, from an empty folder to messages."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Protocol

from bot.demo.backend import running_backend
from bot.wiring import App
from db.plan import ImportReport
from jobs.collect import CollectResult
from jobs.cycle import run_cycle
from jobs.deliver import DeliverResult
from jobs.evaluate import EvaluateResult
from jobs.import_plans import import_files

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLANS = ("pianguan.yaml", "zhaohua.yaml", "wenxi.yaml")
LEDGER = "pianguan-ledger.xlsx"


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


def run_demo(app: App, as_of: date, output: Display) -> None:
    """Rebuild ``<data dir>/demo``, import the examples, collect from a local backend, notify."""
    demo_dir = app.settings.data_dir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)
    settings = app.settings.model_copy(
        update={"data_dir": demo_dir, "database_url": None, "delivery": "console"}
    )
    with running_backend() as base_url:
        environ = {**app.environ, "DUBAN_DEMO_BACKEND_URL": base_url}
        demo = App.build(settings, environ, echo=app.echo)
        demo.init_database()
        output.done(f"演示数据目录：{demo_dir}（每次演示都会重建）")
        output.import_reports(import_files(demo.engine, [EXAMPLES / name for name in PLANS]))
        output.import_reports(import_files(demo.engine, [EXAMPLES / LEDGER], project="pianguan"))
        output.done(f"本地演示数据后台：{base_url}/wenxi/monthly；按 {as_of} 运行一次刷新")
        result = run_cycle(demo, as_of=as_of, now=demo.clock(), trigger="demo")
    output.cycle_summary(result.collected, result.evaluated, result.delivered, settings.outbox_dir)
