"""systemd's notification protocol (sd_notify): READY, STOPPING and the watchdog's heartbeat.

The protocol is one datagram of ``KEY=VALUE`` lines to the socket named in ``NOTIFY_SOCKET``;
libsystemd's bindings need the C library and its headers, so the few lines are written here.
Outside systemd (no ``NOTIFY_SOCKET``) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def notify(state: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Send ``state`` (e.g. ``READY=1``) to systemd; False when not run by systemd or refused."""
    address = environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as error:
        log.warning("无法通知 systemd（%s）：%s", state.split("=")[0], error)
        return False
    return True


def watchdog_seconds(environ: Mapping[str, str] = os.environ) -> float | None:
    """How often to send the heartbeat (half of ``WatchdogSec=``), or None without a watchdog."""
    usec = environ.get("WATCHDOG_USEC", "")
    owner = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (owner and owner != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
