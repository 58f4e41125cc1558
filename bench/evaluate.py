"""National-scale evaluation benchmark: 1,500 projects × 40 indicators × 36 months, 30,000 items.

Generates the synthetic data straight into SQLite (plain executemany, once; reused when present),
then times, in a fresh process each so that peak memory is the pass's own:

* baseline — a bare SQL scan of every figure (the floor any loading could reach);
* evaluate — the real pass: :func:`db.facts_loader.load_projects` + :func:`domain.evaluation.evaluate`.

Usage: ``.venv/bin/python bench/evaluate.py [--dir DIR] [--regenerate]``. Target: ≤ 10 s, ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROJECTS, INDICATORS, MONTHS, ITEMS_PER_PROJECT = 1500, 40, 36, 20
AS_OF = date(2026, 10, 15)
FIRST_MONTH = (2023, 10)
TARGET_SECONDS, TARGET_MB = 10.0, 1024
STAMP = "2026-10-01 01:00:00.000000"


def month_labels() -> list[str]:
    year, month = FIRST_MONTH
    labels = []
    for _ in range(MONTHS):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def generate(path: Path, projects: int = PROJECTS) -> None:
    """The synthetic plan and figures in a new SQLite file (``projects`` counties, 1,500 by default)."""
    from db.engine import make_engine, upgrade

    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(4)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO project (id, code, name, county, programme, plan_start, plan_end, timezone, "
        "alert_settings, updated_at) VALUES (?, ?, ?, ?, '乡村e镇', '2023-10-01', '2026-12-31', "
        "'Asia/Shanghai', '{}', ?)",
        [(p, f"p{p:04d}", f"项目{p}", f"县{p}", STAMP) for p in range(1, projects + 1)],
    )
    db.executemany(
        "INSERT INTO source (project_id, code, kind, name, settings) VALUES (?, 'backend', 'html_table', "
        "'数据后台', '{}')",
        [(p,) for p in range(1, projects + 1)],
    )
    db.executemany(
        "INSERT INTO source (project_id, code, kind, name, settings) VALUES (?, 'mofcom', 'mofcom', "
        "'商务部农村电商信息系统', '{}')",
        [(p,) for p in range(1, projects + 1)],
    )
    db.executemany(  # 填报状态 for every month; one project in ten has not filed the latest month
        "INSERT INTO reportfiling (project_id, source_code, month, filed, checked_at) "
        "VALUES (?, 'mofcom', ?, ?, ?)",
        [
            (p, month, not (p % 10 == 0 and month == month_labels()[-1]), STAMP)
            for p in range(1, projects + 1)
            for month in month_labels()
        ],
    )
    db.executemany(
        "INSERT INTO collectionattempt (project_id, source_code, started_at, ok, figures, error) "
        "VALUES (?, 'backend', ?, ?, 0, ?)",
        [(p, STAMP, p % 50 != 0, None if p % 50 else "页面结构变了") for p in range(1, projects + 1)],
    )
    indicators, kinds = [], {}
    for p in range(1, projects + 1):
        for n in range(INDICATORS):
            i = (p - 1) * INDICATORS + n + 1
            kind, period, target = ("numeric", "per_year", 1200.0)
            if n >= 36:
                kind, period, target = ("ratio", "per_year", 60.0) if n < 38 else ("growth", "per_year", 10.0)
            elif n >= 32:
                period, target = "cumulative", 40000.0
            kinds[i] = kind
            base = f"S{n - 38:02d}" if kind == "growth" else None
            indicators.append(
                (i, p, f"S{n:02d}", f"指标{n}", kind, "binding" if n % 3 else "expected", "万元", "ge",
                 target, period, 0, "[]", "backend", "[]", base)
            )  # fmt: skip
    db.executemany(
        "INSERT INTO indicator (id, project_id, code, name, kind, binding, unit, comparator, target, "
        "period, done, responsible_persons, source_code, pace, base_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        indicators,
    )
    months = month_labels()

    def figures():
        for i, kind in kinds.items():
            pace = rng.uniform(0.8, 1.2)
            for month in months:
                value = rng.uniform(50, 60) if kind == "ratio" else 100 * pace * rng.uniform(0.7, 1.3)
                yield (i, month, value, "万元", 0, "collected", "backend", 1, STAMP)

    db.executemany(
        "INSERT INTO measurement (indicator_id, month, value, unit, cumulative, origin, source_code, "
        "revision, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        figures(),
    )
    first = date(2025, 6, 1)
    db.executemany(
        "INSERT INTO rectificationitem (project_id, batch, number, problem, measures, units, persons, "
        "deadline, ongoing, status) VALUES (?, '', ?, ?, '', '[\"工信局\"]', '[\"高权\"]', ?, ?, ?)",
        [
            (p, str(n + 1), f"问题{n + 1}", (first + timedelta(rng.randrange(580))).isoformat(),
             n % 7 == 0, "closed" if n % 4 == 0 else "open")
            for p in range(1, projects + 1) for n in range(ITEMS_PER_PROJECT)
        ],
    )  # fmt: skip
    db.commit()
    db.close()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, path: Path) -> None:
    """Run one timed phase in this (fresh) process and print its numbers as JSON."""
    counts: dict[str, int] = {}
    if name == "baseline":
        started = time.perf_counter()
        db = sqlite3.connect(path)
        rows = db.execute("SELECT indicator_id, month, value FROM measurement ORDER BY indicator_id, month")
        counts["figures"] = sum(1 for _ in rows)
    else:
        from sqlmodel import Session

        from db.engine import make_engine
        from db.facts_loader import load_projects
        from domain.evaluation import Policy, evaluate
        from domain.workdays import WorkCalendar

        calendar = WorkCalendar()
        started = time.perf_counter()  # imports above are not the pass
        with Session(make_engine(f"sqlite:///{path}")) as session:
            facts = load_projects(session)
        loaded = time.perf_counter()
        findings = evaluate(facts, AS_OF, calendar, Policy())
        counts = {
            "projects": len(facts),
            "figures": sum(len(i.values) for p in facts for i in p.indicators),
            "items": sum(len(p.items) for p in facts),
            "findings": len(findings),
            "load_ms": round((loaded - started) * 1000),
        }
    print(json.dumps({"seconds": time.perf_counter() - started, "rss_mb": rss_mb(), **counts}))


def measure(name: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--dir", str(path.parent)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--phase", choices=["baseline", "evaluate"])
    args = parser.parse_args()
    path = args.dir / "evaluate.db"
    if args.phase:
        phase(args.phase, path)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.regenerate or not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        generate(partial)
        partial.replace(path)  # a generation that failed half-way is never taken for data
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    base = measure("baseline", path)
    run = measure("evaluate", path)
    print(
        f"baseline (bare SQL scan of {base['figures']:,} figures): "
        f"{base['seconds']:.2f} s, {base['rss_mb']:.0f} MB"
    )
    print(
        f"evaluate: {run['projects']:,} projects, {run['figures']:,} figures, {run['items']:,} items → "
        f"{run['findings']:,} findings in {run['seconds']:.2f} s (loading {run['load_ms'] / 1000:.2f} s), "
        f"peak RSS {run['rss_mb']:.0f} MB; {run['seconds'] / base['seconds']:.1f}× the bare scan"
    )
    met = run["seconds"] <= TARGET_SECONDS and run["rss_mb"] <= TARGET_MB
    print(
        f"RESULT seconds={run['seconds']:.2f} rss_mb={run['rss_mb']:.0f} "
        f"baseline_seconds={base['seconds']:.2f} "
        f"figures={run['figures']} items={run['items']} findings={run['findings']} "
        f"target={'met' if met else 'missed'}"
    )


if __name__ == "__main__":
    main()
