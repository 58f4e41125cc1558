"""The collector contract: a source in, figures and the raw bytes behind them out.

A collector only fetches and parses; storing figures and evidence is the collect job's work, so
every kind of source is stored the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FigureSpec:
    """Which indicator a source feeds, and what the source calls that figure."""

    indicator: str
    label: str
    unit: str  # the indicator's unit: figures are converted into it


@dataclass(frozen=True)
class SourceConfig:
    project: str
    code: str
    kind: str
    settings: dict[str, Any]
    figures: tuple[FigureSpec, ...]


@dataclass(frozen=True)
class Fetched:
    """Raw bytes as received: the evidence for every figure parsed from them."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True)
class Figure:
    indicator: str
    month: str  # YYYY-MM
    value: float
    unit: str
    cumulative: bool
    evidence: Fetched
    town: str | None = None


@dataclass
class Collected:
    figures: list[Figure] = field(default_factory=list)


class Collector(ABC):
    """Fetches a source and returns its figures, or raises :class:`bot.errors.CollectionError`.

    A raised error carries the raw response in ``evidence`` when there was one, so a changed
    layout is recorded with the page that showed it.
    """

    kind: str

    @abstractmethod
    def collect(self, source: SourceConfig, *, now: datetime) -> Collected: ...
