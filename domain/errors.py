"""The errors duban raises on purpose, each building its own message.

DubanError
├── ConfigurationError      settings or channels that cannot work
│   └── PlanFileError       a plan file or ledger with a bad value: file, row/line, field
├── CollectionError         a figure could not be collected; becomes a finding, never a zero
│   ├── FetchError          the source did not answer as it should (network, HTTP status)
│   │   └── LoginError      the source refused the login (wrong password, session not kept)
│   └── LayoutError         the page answered but not in the expected shape
└── DeliveryError           a channel refused or failed; ``retryable`` says whether to try again
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain.userinfo import hide_userinfo


class DubanError(Exception):
    """Base of every error duban raises on purpose."""


class ConfigurationError(DubanError):
    pass


class UnknownProjectError(ConfigurationError):
    def __init__(self, code: str) -> None:
        super().__init__(f"没有项目 {code}：请先导入方案文件，或用 duban status 查看项目代码")


class PlanFileError(ConfigurationError):
    """A plan file or ledger that cannot be imported; nothing from it was written."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        self.row = row
        self.field = field
        where = [str(self.path)]
        if line is not None:
            where.append(f"第 {line} 行")
        if row is not None:
            where.append(f"第 {row} 行（表格）")
        if field:
            where.append(f"字段 {field}")
        super().__init__(f"{'，'.join(where)}：{problem}")


class CollectionError(DubanError):
    """A source did not yield the figure; ``source`` and ``url`` say where."""

    def __init__(self, source: str, problem: str, *, url: str | None = None) -> None:
        self.source = source
        self.problem = problem
        self.url = hide_userinfo(url) if url else url  # never http://user:PASS@host
        self.evidence: Any = None  # the raw response that showed the problem, kept as evidence
        suffix = f"（{self.url}）" if self.url else ""
        super().__init__(f"数据源 {source} 采集失败：{problem}{suffix}")


class FetchError(CollectionError):
    pass


class LoginError(FetchError):
    pass


class LayoutError(CollectionError):
    pass


class DeliveryError(DubanError):
    """A message was not accepted by its channel."""

    def __init__(self, channel: str, problem: str, *, retryable: bool) -> None:
        self.channel = channel
        self.problem = problem
        self.retryable = retryable
        kind = "稍后重试" if retryable else "不再重试，需要管理员处理"
        super().__init__(f"频道 {channel} 发送失败（{kind}）：{problem}")
