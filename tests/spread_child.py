"""An instance's collection crew in a process of its own, for the kill test:
``python -m tests.spread_child DATABASE_URL EVIDENCE_DIR``. It takes items until killed."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from bot.clock import wall_clock
from collectors.registry import default_registry
from db.engine import make_engine
from jobs.collect import Collector
from jobs.collect_crew import Crew
from tests.collect_helpers import make_env


def main(url: str, evidence: str) -> None:
    root = Path(evidence)
    collector = Collector(default_registry(), make_env(root, timeout=60), root / "evidence", {})
    Crew(make_engine(url), collector, clock=wall_clock, workers=1, poll=0.05).start()
    print("crew started", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(*sys.argv[1:3])
