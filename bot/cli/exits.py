"""The exit codes of ``duban``, defined once: cron, systemd and scripts see a failure by them.

``duban --help`` lists them (its epilog is :func:`help_text`) and so does the README. A run that
did its work but left something undone (a source failed, a message is dead) still shows all it
did, then exits with the code that names what is undone.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.collect import CollectResult
    from jobs.deliver import DeliverResult


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2  # click's own code for a usage error
    SOURCE_FAILED = 3
    UNDELIVERED = 4
    BUSY = 5


MEANINGS = {
    ExitCode.OK: "成功",
    ExitCode.ERROR: "出错：文件、配置或数据有误，或操作被拒绝（已说明原因）",
    ExitCode.USAGE: "命令写法不对：选项、参数或日期格式",
    ExitCode.SOURCE_FAILED: "采集或刷新时有数据源失败（其他数据源的数据已保存，提醒照常发送）",
    ExitCode.UNDELIVERED: "有消息发送失败、不再重试（已通知管理员；见 duban status）",
    ExitCode.BUSY: "另一个任务正在运行（定时任务或立即刷新），稍后再试",
}


def help_text() -> str:
    """The exit-code table as ``duban --help`` shows it (``\\b`` keeps click from rewrapping it)."""
    rows = "\n".join(f"  {code.value}  {MEANINGS[code]}" for code in ExitCode)
    return f"\b\n退出码：\n{rows}"


def outcome(collected: CollectResult | None, delivered: DeliverResult | None) -> ExitCode:
    """What a run that finished left undone; a dead message outranks a failed source."""
    if delivered is not None and delivered.dead:
        return ExitCode.UNDELIVERED
    if collected is not None and collected.failures:
        return ExitCode.SOURCE_FAILED
    return ExitCode.OK
