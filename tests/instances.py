"""Several ``duban run`` processes on one database, for the failover test: start, watch, kill.

Each instance is a real ``python -m bot run --no-web`` with its own data directory (as on its own
machine); a thread per instance reads its log lines as they come, stamped with the monotonic time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEADER_LINE = "本实例成为主实例"
STANDBY_LINE = "本实例为备用实例"
STARTED_LINE = "duban 服务已启动"


@dataclass
class Instance:
    name: str
    process: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def said(self, text: str, since: float = 0.0) -> float | None:
        """When this instance first logged ``text`` at or after ``since`` (monotonic), if it did."""
        return next((at for at, line in list(self.lines) if at >= since and text in line), None)

    def log(self) -> str:
        return "".join(line for _, line in list(self.lines))


class Instances:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.all: list[Instance] = []

    def start(self, *args: str, data_dir: Path | None = None) -> Instance:
        """A new ``duban run`` (``--no-web`` unless ``args`` say otherwise), in a data directory
        of its own unless ``data_dir`` names a shared one."""
        name = f"i{len(self.all) + 1}"
        if data_dir is None:
            data_dir = self.root / name
            data_dir.mkdir(parents=True)
        env = {**self.env, "DUBAN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *(args or ("--no-web",))],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        instance = Instance(name, process)
        threading.Thread(target=_read, args=(instance,), daemon=True).start()
        self.all.append(instance)
        return instance

    def wait_started(self, instance: Instance, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while instance.said(STARTED_LINE) is None:
            assert time.monotonic() < deadline and instance.alive, self.logs()
            time.sleep(0.05)

    @property
    def live(self) -> list[Instance]:
        return [i for i in self.all if i.alive]

    def wait_for(self, text: str, *, since: float = 0.0, timeout: float = 60.0) -> tuple[Instance, float]:
        """The first live instance to log ``text`` after ``since``, and when."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            said = [(at, i) for i in self.live if (at := i.said(text, since)) is not None]
            if said:
                at, instance = min(said, key=lambda pair: pair[0])
                return instance, at
            time.sleep(0.05)
        raise AssertionError(f"no instance logged {text!r} within {timeout} s:\n{self.logs()}")

    def leader(self) -> Instance:
        """The live instance that last became leader."""
        leaders = [(at, i) for i in self.live if (at := i.said(LEADER_LINE)) is not None]
        assert leaders, f"no live leader:\n{self.logs()}"
        return max(leaders, key=lambda pair: pair[0])[1]

    def kill(self, instance: Instance) -> float:
        instance.process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        instance.process.wait(timeout=10)
        return killed

    def stop_all(self) -> None:
        for instance in self.live:
            instance.process.send_signal(signal.SIGTERM)
        for instance in self.all:
            try:
                instance.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {i.name} (exit {i.process.returncode})\n{i.log()}" for i in self.all)


def _read(instance: Instance) -> None:
    stream = instance.process.stdout
    assert stream is not None
    for line in stream:
        instance.lines.append((time.monotonic(), line))


def child_env(**settings: str) -> dict[str, str]:
    """The test's environment without any DUBAN_* of its own, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(settings)
    return env
