"""Benchmark: how long ``duban --help`` and ``duban status`` take to start, against bare Python.

Every command a person types pays the start-up: Python itself, the imports, the settings, the
schema check. This times three commands as fresh subprocesses:

* python — ``python -c pass``, the floor no command can beat on this machine;
* help — ``duban --help`` (no database, no settings);
* status — ``duban status`` on the demo database, which ``duban demo`` builds first in a temporary
  data folder (three projects, their items, a collection and a run; read ``--as-of`` the demo day).

``duban`` is run as ``python -m bot`` with this checkout first on ``PYTHONPATH``: the same entry
point as the installed script, measuring this tree's code. Each command runs once unmeasured (to
write bytecode caches), then ``--rounds`` times in turn; a shared 2-core machine varies from one
run to the next, so medians are compared, and ``python`` shows how loaded the machine was.

Usage: ``python bench/startup.py [--rounds 9]``
Targets: ``duban --help`` ≤ 0.3 s and ``duban status`` ≤ 0.6 s (medians, wall clock); each
command's peak memory (the sum over its process tree, see :func:`timed`) is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
TARGET_HELP_S = 0.3
TARGET_STATUS_S = 0.6
DEMO_DAY = "2023-10-12"  # ``duban demo``'s default day: items due soon, overdue and closed


def clean_environ() -> dict[str, str]:
    """The caller's environment without duban's settings, and this checkout first on the path."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    # An installed duban runs from compiled bytecode (pip compiles it on install); a machine that
    # forbids writing it would time the compiling of every module in every command instead.
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
    return environ


class Run(NamedTuple):
    """One measured subprocess: wall-clock seconds, its own peak resident memory and CPU seconds."""

    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0  # user + system: what a loaded, shared machine inflates least


def timed(command: list[str], cwd: Path, environ: dict[str, str]) -> Run:
    """Time one run with the peak memory of its whole process tree; a failure stops the benchmark.

    A command may fork workers, and the kernel's peak for a child (``wait4``'s ``ru_maxrss``) is
    that of its largest process alone. So the tree — the child and every descendant — is sampled
    every :data:`SAMPLE_S` seconds and the peak of the SUM of their resident sizes (``VmRSS``) is
    taken; a forked worker's pages still shared with its parent count twice, so it errs high, never
    low. CPU time is ``wait4``'s user + system, which includes the children the child waited for.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=errors)
        peak_kib = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            peak_kib = max(peak_kib, tree_rss_kib(child.pid))
            time.sleep(SAMPLE_S)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"{' '.join(command)} 失败（退出码 {child.returncode}）：\n{message}")
    peak_kib = max(peak_kib, usage.ru_maxrss)  # a one-process peak that fell between two samples
    return Run(elapsed, peak_kib / 1024, usage.ru_utime + usage.ru_stime)


SAMPLE_S = 0.02


def tree_rss_kib(root: int) -> int:
    """The resident memory (KiB) of ``root`` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (parent := _parent(int(name))) is not None:
            children.setdefault(parent, []).append(int(name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _rss_kib(pid)
        pending += children.get(pid, [])
    return total


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            line = stat.read()
    except OSError:  # it ended meanwhile
        return None
    return int(line[line.rindex(b")") + 2 :].split()[1])  # the name in parentheses may hold spaces


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # it ended meanwhile, or is a zombie with no memory left


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=9, help="measured runs of each command (≥ 7)")
    args = parser.parse_args()
    rounds = max(args.rounds, 7)
    environ = clean_environ()
    duban = [sys.executable, "-m", "bot"]
    with tempfile.TemporaryDirectory(prefix="duban-startup-") as folder:
        work = Path(folder)  # also the working directory, so no stray .env is read
        print("建立演示数据库（duban demo）…", flush=True)
        timed([*duban, "--data-dir", str(work / "data"), "demo"], work, environ)
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "help": [*duban, "--help"],
            "status": [*duban, "--data-dir", str(work / "data"), "status", "--as-of", DEMO_DAY],
        }
        for command in commands.values():
            timed(command, work, environ)  # unmeasured: bytecode caches, disk cache
        runs: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, command in commands.items():
                runs[name].append(timed(command, work, environ))
    medians = {name: statistics.median(r.seconds for r in values) for name, values in runs.items()}
    peaks = {name: max(r.peak_mb for r in values) for name, values in runs.items()}
    for name, values in runs.items():
        listed = " ".join(f"{r.seconds:.3f}" for r in values)
        print(
            f"{name:7s} 中位数 {medians[name]:.3f} s，峰值内存 {peaks[name]:.0f} MB（{rounds} 次：{listed}）"
        )
    met = medians["help"] <= TARGET_HELP_S and medians["status"] <= TARGET_STATUS_S
    print(
        f"RESULT help_s={medians['help']:.3f} status_s={medians['status']:.3f} "
        f"python_s={medians['python']:.3f} help_peak_mb={peaks['help']:.0f} "
        f"status_peak_mb={peaks['status']:.0f} python_peak_mb={peaks['python']:.0f} "
        f"target={'met' if met else 'missed'}"
    )


if __name__ == "__main__":
    main()
