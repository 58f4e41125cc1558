"""The commands a county official runs, at national size, on SQLite and on PostgreSQL.

``bench/evaluate.py`` times the evaluation inside one process; this times what a person types.
The data set is that benchmark's generator (1,500 projects × 40 indicators × 36 months, 30,000
rectification items) plus what a real database also holds: revised figures on some months, town
figures, per-year and per-town targets, two channels per project (a work group and the leaders'
mailbox) with a subscriber, and the open alerts and outbox rows of an earlier day's
``duban notify``. It is built once into SQLite (reused when present) and copied into a fresh
PostgreSQL database for the second half.

Each command runs as its own process (``python -m bot``, this checkout first on the path). A
national command forks a worker to load and judge half the projects on the second core, so its
peak memory is the peak of the SUM of the resident sizes of the process and all its descendants,
sampled every 20 ms from /proc (``bench/startup.py``'s ``timed``; pages a worker still shares with
its parent count twice, so the figure errs high), not the largest single process that ``wait4``
reports. Its CPU time is the whole tree's (``wait4`` counts the children the command waited for):

* scan — the bare driver scan of every figure, the floor any command could reach;
* evaluate-cold — ``duban evaluate`` with no kept facts (``db/facts_cache.py``), as after an
  upgrade or a day on which every project's figures changed; the other commands find the facts
  the earlier day's run kept, as a database that runs its daily job does;
* evaluate — ``duban evaluate`` (the table a person reads), and ``duban evaluate --json``;
* dry-run — ``duban notify --dry-run``;
* status — ``duban status``, the overview people type to see where things stand;
* daily — ``duban notify`` on the judging day (the daily job), then again at once with nothing
  new (``daily-again``). Both write, so each database is a fresh copy.

Usage: ``scripts/with-postgres .venv/bin/python bench/national.py [--projects N] [--rounds N]
[--sqlite-only]`` (``--rounds 2`` keeps the faster of two runs of each command; each daily round
runs on a fresh copy).
Targets: every command ≤ 10 s and ≤ 1 GB, the repeated daily job ≤ 3 s, and PostgreSQL's peak
memory ≤ 1.2 × SQLite's for each command. The targets are judged on wall-clock time; each
command's CPU time (user + system, over its process tree) and the load average are printed
beside it, because on a shared machine the wall clock grows with everyone else's work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import evaluate as scale  # noqa: E402  (bench/evaluate.py: the generator and the judging day)
from startup import Run, clean_environ, timed  # noqa: E402

TARGET_S, TARGET_MB, TARGET_AGAIN_S, TARGET_PG_MEMORY = 10.0, 1024.0, 3.0, 1.2
EARLIER_DAY = scale.AS_OF - timedelta(days=1)  # the day whose alerts are already open
TOWNS = ("城关镇", "河东乡", "西山镇")
READ_ONLY = {
    "evaluate": ["evaluate"],
    "evaluate-json": ["evaluate", "--json"],
    "dry-run": ["notify", "--dry-run"],
    "status": ["status"],
}
WRITING = ("daily", "daily-again")


def add_national_extras(path: Path, projects: int) -> None:
    """Revisions, towns, per-year targets and channels on top of the evaluation benchmark's data."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    columns = "indicator_id, month, town, value, unit, cumulative, origin, source_code, revision, recorded_at"
    db.execute(  # one indicator in ten revised its last three months
        f"INSERT INTO measurement ({columns}) SELECT indicator_id, month, NULL, value * 1.05, unit, "
        "cumulative, origin, source_code, 2, recorded_at FROM measurement "
        "WHERE indicator_id % 10 = 0 AND month >= '2026-07'"
    )
    towns = " UNION ALL ".join(f"SELECT '{town}' AS town" for town in TOWNS)
    first_two = f"(indicator_id - 1) % {scale.INDICATORS} < 2"  # S00 and S01 are reported by town
    db.execute(
        f"INSERT INTO measurement ({columns}) SELECT indicator_id, month, t.town, value / 3, unit, "
        f"cumulative, origin, source_code, 1, recorded_at FROM measurement, ({towns}) t "
        f"WHERE {first_two} AND measurement.town IS NULL AND revision = 1"
    )
    db.execute(
        "INSERT INTO indicatortarget (indicator_id, year, town, value) SELECT id, y.year, NULL, target "
        "FROM indicator, (SELECT 2024 AS year UNION ALL SELECT 2025 UNION ALL SELECT 2026) y "
        "WHERE period = 'per_year'"
    )
    db.execute(
        "INSERT INTO indicatortarget (indicator_id, year, town, value) SELECT id, 2026, t.town, target / 3 "
        f"FROM indicator, ({towns}) t WHERE (id - 1) % {scale.INDICATORS} < 2"
    )
    people = [(p, p, "高权", "工信局") for p in range(1, projects + 1)]
    db.executemany("INSERT INTO person (id, project_id, name, unit) VALUES (?, ?, ?, ?)", people)
    robot = '{"webhook_key": "${DUBAN_WECOM_KEY_BENCH}"}'
    mailbox = '{"to": "leaders@example.cn"}'
    db.executemany(  # channel 2p - 1 is project p's work group, 2p its leaders' mailbox
        "INSERT INTO channel (id, project_id, code, kind, name, leadership, settings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(2 * p - 1, p, "group", "wecom_robot", "工作群", False, robot) for p in range(1, projects + 1)]
        + [(2 * p, p, "leaders", "email", "领导小组", True, mailbox) for p in range(1, projects + 1)],
    )  # fmt: skip
    db.executemany(
        "INSERT INTO subscription (channel_id, person_id) VALUES (?, ?)",
        [(2 * p - 1, p) for p in range(1, projects + 1)],
    )
    db.commit()
    db.close()


def build(path: Path, projects: int) -> None:
    """The national SQLite file, with the earlier day's alerts already open (run once, untimed)."""
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    scale.generate(partial, projects)
    add_national_extras(partial, projects)
    with tempfile.TemporaryDirectory(prefix="duban-national-") as folder:
        earlier = duban_run(["notify"], Path(folder), sqlite=partial, day=EARLIER_DAY)
    partial.replace(path)  # a build that failed half-way is never taken for data
    print(
        f"built {path} in {time.perf_counter() - started:.0f} s "
        f"(the earlier day's notify: {earlier.seconds:.1f} s, {earlier.peak_mb:.0f} MB)",
        flush=True,
    )


def duban_run(
    arguments: list[str],
    work: Path,
    *,
    sqlite: Path | None = None,
    url: str | None = None,
    day: date = scale.AS_OF,
) -> Run:
    """One ``duban`` command judging ``day``, in a fresh process on the given database, output discarded."""
    environ = clean_environ()
    environ["DUBAN_DATABASE_URL"] = url or f"sqlite:///{sqlite}"
    environ["DUBAN_DATA_DIR"] = str(work)  # the outbox folder and the working directory (no .env)
    return timed([sys.executable, "-m", "bot", *arguments, "--as-of", str(day)], work, environ)


SCAN = (
    "SELECT indicator_id, month, value, cumulative, source_code FROM measurement "
    "ORDER BY indicator_id, month, town, revision"
)
SCAN_SQLITE = f"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); sum(1 for _ in c.execute({SCAN!r}))"
SCAN_POSTGRES = (  # a server-side cursor, as any client holding millions of rows must
    "import psycopg, sys; c = psycopg.connect(sys.argv[1]); k = c.cursor(name='scan'); "
    f"k.execute({SCAN!r}); sum(1 for _ in iter(lambda: k.fetchmany(20000), []) for _ in _)"
)


def scan(work: Path, sqlite: Path | None = None, url: str | None = None) -> Run:
    if url is not None:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        return timed([sys.executable, "-c", SCAN_POSTGRES, plain], work, clean_environ())
    return timed([sys.executable, "-c", SCAN_SQLITE, str(sqlite)], work, clean_environ())


def on_sqlite(path: Path, rounds: int) -> dict[str, Run]:
    with tempfile.TemporaryDirectory(prefix="duban-national-") as folder:
        work = Path(folder)
        runs = {"scan": best(lambda: scan(work, path), rounds)}
        cold = work / "cold.db"
        shutil.copyfile(path, cold)
        with sqlite3.connect(cold) as db:
            db.execute(FORGET_FACTS)
        runs["evaluate-cold"] = duban_run(READ_ONLY["evaluate"], work, sqlite=cold)
        cold.unlink()
        for name, arguments in READ_ONLY.items():
            runs[name] = best(lambda a=arguments: duban_run(a, work, sqlite=path), rounds)

        def day_on_a_copy(round_: int) -> tuple[Run, Run]:
            copy = work / f"daily-{round_}.db"
            shutil.copyfile(path, copy)
            pair = duban_run(["notify"], work, sqlite=copy), duban_run(["notify"], work, sqlite=copy)
            copy.unlink()
            return pair

        runs["daily"], runs["daily-again"] = best_day(day_on_a_copy, rounds)
    return runs


def best_day(day: Callable[[int], tuple[Run, Run]], rounds: int) -> tuple[Run, Run]:
    """The daily job and its repeat, each round on a fresh copy; the round whose daily job was fastest."""
    return min((day(n) for n in range(rounds)), key=lambda pair: pair[0].seconds)


# Every kept copy of facts dropped: the state after an upgrade, or after a day on which every
# project's figures changed (a national collection round), when everything is loaded again.
FORGET_FACTS = "DELETE FROM factscache"


def on_postgres(path: Path, server: str, rounds: int) -> dict[str, Run]:
    from sqlalchemy.engine import make_url

    from tests.postgres import Databases

    databases = Databases(make_url(server))
    national = databases.create(migrated=True)
    copies: list[str] = []
    try:
        started = time.perf_counter()
        copy_into_postgres(path, national)
        print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="duban-national-") as folder:
            work = Path(folder)
            runs = {"scan": best(lambda: scan(work, url=national), rounds)}
            # The facts PostgreSQL keeps are its own: loaded from its rows by this first, cold run.
            runs["evaluate-cold"] = duban_run(READ_ONLY["evaluate"], work, url=national)
            for name, arguments in READ_ONLY.items():
                runs[name] = best(lambda a=arguments: duban_run(a, work, url=national), rounds)

            def day_on_a_copy(round_: int) -> tuple[Run, Run]:
                copies.append(copy := clone(databases, national, f"daily{round_}"))
                return duban_run(["notify"], work, url=copy), duban_run(["notify"], work, url=copy)

            runs["daily"], runs["daily-again"] = best_day(day_on_a_copy, rounds)
        return runs
    finally:
        for url in [*copies, national]:
            databases.drop(url)
        databases.close()


def clone(databases: object, url: str, suffix: str) -> str:
    """A copy of the national database (PostgreSQL copies a template in seconds)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    name = f"{make_url(url).database}_{suffix}"
    for attempt in range(20):
        try:
            with databases.admin.connect() as connection:  # type: ignore[attr-defined]
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
            break
        except OperationalError:  # the last command's server process may not have ended yet
            if attempt == 19:
                raise
            time.sleep(0.5)
    return databases.url(name)  # type: ignore[attr-defined]


def copy_into_postgres(path: Path, url: str) -> None:
    """Every row of the SQLite file into the (migrated, empty) PostgreSQL database, by COPY."""
    import psycopg
    from sqlmodel import SQLModel

    import db.models  # noqa: F401  (the tables, in SQLModel's metadata)

    source = sqlite3.connect(path)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as target:
        target.execute("SET TimeZone = 'UTC'")  # SQLite holds naive UTC text
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "factscache":  # derived data: PostgreSQL loads and keeps its own
                continue
            columns = [c.name for c in table.columns]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = source.execute(f'SELECT {listed} FROM "{table.name}"')
            # A copy, as a data-only restore makes one (pg_restore --disable-triggers): no trigger
            # fires, so each project's facts stamp is the file's, not moved by the copy itself.
            target.execute(f'ALTER TABLE "{table.name}" DISABLE TRIGGER USER')
            target.execute(f'DELETE FROM "{table.name}"')  # a row a migration seeded is the file's too
            with target.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({listed}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            target.execute(f'ALTER TABLE "{table.name}" ENABLE TRIGGER USER')
            if "id" in columns and table.c.id.autoincrement is not False and table.c.id.primary_key:
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table.name}"), 1))'
                )
        # Stamps drawn from now on must never meet one the file already holds.
        target.execute("SELECT setval('factsstamp_seq', (SELECT max(stamp) + 1 FROM factsstamp))")
        target.execute("ANALYZE")
    source.close()


def best(run: Callable[[], Run], rounds: int) -> Run:
    """The fastest of ``rounds`` runs (the machine is shared), with that run's own peak memory."""
    return min((run() for _ in range(rounds)), key=lambda r: r.seconds)


def verdicts(database: str, runs: dict[str, Run]) -> list[str]:
    """The commands that missed their time or memory target."""
    return [f"{database}:{name}" for name, run in runs.items() if not within(name, run)]


def within(name: str, run: Run) -> bool:
    limit = TARGET_AGAIN_S if name == "daily-again" else TARGET_S
    return name == "scan" or (run.seconds <= limit and run.peak_mb <= TARGET_MB)


def report(database: str, runs: dict[str, Run]) -> None:
    for name, run in runs.items():
        mark = "" if within(name, run) else "  ← missed"
        print(
            f"{database:8s} {name:14s} {run.seconds:7.2f} s  {run.peak_mb:6.0f} MB  "
            f"(CPU {run.cpu_seconds:.2f} s){mark}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--projects", type=int, default=scale.PROJECTS)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each command (best counts)")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    from db.engine import HEAD_REVISION

    # Named by the schema and the facts' code it was built with: either changed means building
    # again, since the earlier day's run that the file records (its alerts, outbox and the facts
    # it kept) was made by older code, whose kept facts this code would not read.
    from db.facts_cache import VERSION

    path = args.dir / f"national-{args.projects}-{HEAD_REVISION}-{VERSION}.db"
    # Bytecode for every module, as an installed duban has it (pip compiles on install).
    packages = [str(ROOT / name) for name in ("bot", "jobs", "db", "domain", "collectors", "notifiers")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], env=clean_environ(), check=True)
    if args.regenerate or not path.exists():
        build(path, args.projects)
    results = {"sqlite": on_sqlite(path, args.rounds)}
    report("sqlite", results["sqlite"])  # shown before PostgreSQL's half begins
    server = os.environ.get("DUBAN_TEST_POSTGRES_URL")
    if not args.sqlite_only:
        if not server:
            raise SystemExit("DUBAN_TEST_POSTGRES_URL is not set: run under scripts/with-postgres")
        results["postgres"] = on_postgres(path, server, args.rounds)
    missed = [m for database, runs in results.items() for m in verdicts(database, runs)]
    if "postgres" in results:
        report("postgres", results["postgres"])
        for name, run in results["postgres"].items():
            ratio = run.peak_mb / results["sqlite"][name].peak_mb
            print(f"postgres/sqlite memory {name:14s} {ratio:.2f}×")
            if name != "scan" and ratio > TARGET_PG_MEMORY:
                missed.append(f"postgres-memory:{name}")
    fields = " ".join(
        f"{field}_s={run.seconds:.2f} {field}_cpu_s={run.cpu_seconds:.2f} {field}_mb={run.peak_mb:.0f}"
        for database, runs in results.items()
        for name, run in runs.items()
        if (field := f"{database}_{name.replace('-', '_')}")
    )
    print(
        f"RESULT projects={args.projects} load_average={os.getloadavg()[0]:.1f} {fields} "
        f"missed={','.join(missed) or 'none'} target={'missed' if missed else 'met'}"
    )


if __name__ == "__main__":
    main()
