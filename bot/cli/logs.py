"""Log lines a clerk can read: Beijing time, the level in Chinese, then the (Chinese) message.

Used by every verb on stderr and by the service on stdout (journald and docker keep it), so a
line reads the same wherever it is seen: ``2023-10-12 09:00:02 北京时间 警告 jobs.collect: 采集失败：…``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TextIO

from domain.workdays import OFFICE_TZ

LEVELS = {"DEBUG": "调试", "INFO": "信息", "WARNING": "警告", "ERROR": "错误", "CRITICAL": "严重"}


class OfficeFormatter(logging.Formatter):
    """``%(asctime)s`` in Beijing time, labelled so; ``%(levelname)s`` in Chinese."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s 北京时间 %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, OFFICE_TZ).strftime("%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        english = record.levelname
        record.levelname = LEVELS.get(english, english)
        try:
            return super().format(record)
        finally:
            record.levelname = english  # other handlers see the record as it was


def log_to(stream: TextIO, level: int | None = None, *, replace: bool = False) -> None:
    """Send log lines to ``stream`` in the office format.

    Without ``replace`` this is :func:`logging.basicConfig`: a handler already there (a test's
    log capture) is left alone and nothing is added.
    """
    root = logging.getLogger()
    if level is not None:
        root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if root.handlers and not replace:
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OfficeFormatter())
    root.handlers = [handler]
