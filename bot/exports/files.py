"""The two exports by name: what each is called, its file type, and how it is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.exports.content import Content
from bot.exports.ledger import write_ledger
from bot.exports.report import write_report


@dataclass(frozen=True)
class Export:
    name: str  # 整改台账
    suffix: str
    media_type: str
    write: Callable[[Content], bytes]

    def filename(self, content: Content) -> str:
        """昭化区…项目-整改台账-20261203.xlsx: whose, what and as of when, in the name itself."""
        return f"{content.name}-{self.name}-{content.as_of:%Y%m%d}{self.suffix}"


EXPORTS = {
    "ledger": Export(
        "整改台账",
        ".xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        write_ledger,
    ),
    "report": Export(
        "整改落实情况报告",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        write_report,
    ),
}
