"""Storing figures on PostgreSQL against SQLite: :func:`db.measurements.record_measurements` in bulk.

A province's collection stores tens of thousands of figures in one call (one read of the latest
revisions, one executemany). This times that call on a fresh SQLite file (the baseline, measured
in the same run) and on a fresh PostgreSQL database, for first values and again for revisions.

Usage: ``scripts/with-postgres .venv/bin/python bench/postgres_store.py [--figures N]`` (any
server works through DUBAN_TEST_POSTGRES_URL). Target: PostgreSQL within 3× SQLite's time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 3.0


def store_twice(url: str, figures: int) -> tuple[float, float]:
    """Seconds to store ``figures`` new values, then the same count of changed values."""
    from sqlmodel import Session

    from db.engine import make_engine, session_scope, upgrade
    from db.measurements import NewValue, record_measurements
    from db.models import Indicator, Project
    from domain.enums import Origin

    engine = make_engine(url)
    upgrade(engine)
    per_indicator = 36
    with Session(engine) as session:
        project = Project(code="bench", name="基准项目", county="某县")
        session.add(project)
        session.flush()
        indicators = [
            Indicator(project_id=project.id or 0, code=f"S{n}", name=f"指标{n}", unit="万元")
            for n in range(figures // per_indicator + 1)
        ]
        session.add_all(indicators)
        session.commit()
        ids = [i.id or 0 for i in indicators]
    months = [f"{2021 + m // 12}-{m % 12 + 1:02d}" for m in range(per_indicator)]
    timings = []
    for bump in (0.0, 0.5):
        values = [
            NewValue(ids[n // per_indicator], months[n % per_indicator], n + bump, "万元", Origin.COLLECTED)
            for n in range(figures)
        ]
        started = time.perf_counter()
        with session_scope(engine) as session:
            assert len(record_measurements(session, values)) == figures
        timings.append(time.perf_counter() - started)
    engine.dispose()
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--figures", type=int, default=20_000)
    args = parser.parse_args()
    server = os.environ.get("DUBAN_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("DUBAN_TEST_POSTGRES_URL is not set: run under scripts/with-postgres")
    sys.path.insert(0, str(ROOT / "tests"))
    from sqlalchemy.engine import make_url

    from tests.postgres import Databases

    with tempfile.TemporaryDirectory() as tmp:
        sqlite_new, sqlite_rev = store_twice(f"sqlite:///{tmp}/bench.db", args.figures)
    databases = Databases(make_url(server))
    url = databases.create(migrated=False)
    try:
        pg_new, pg_rev = store_twice(url, args.figures)
    finally:
        databases.drop(url)
        databases.close()
    ratio = max(pg_new / sqlite_new, pg_rev / sqlite_rev)
    for name, new, rev in (("sqlite", sqlite_new, sqlite_rev), ("postgres", pg_new, pg_rev)):
        print(f"{name:9} {args.figures} new {new:.2f} s ({args.figures / new:,.0f}/s), revisions {rev:.2f} s")
    print(
        f"RESULT figures={args.figures} sqlite_new_s={sqlite_new:.3f} sqlite_rev_s={sqlite_rev:.3f} "
        f"postgres_new_s={pg_new:.3f} postgres_rev_s={pg_rev:.3f} ratio={ratio:.2f} "
        f"target={'met' if ratio <= TARGET_RATIO else 'missed'}"
    )


if __name__ == "__main__":
    main()
