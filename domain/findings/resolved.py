"""The note that an alert cleared: sent once, in the digest's "已解决" section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.enums import FindingKind
from domain.findings.base import Finding


@dataclass(frozen=True, kw_only=True)
class Resolved(Finding):
    """An alert whose finding is gone, with why (已销号…, 数据已补报 …) from :mod:`domain.resolutions`."""

    kind: ClassVar[FindingKind] = FindingKind.RESOLVED
    note: str
