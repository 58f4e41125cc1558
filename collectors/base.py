"""The collector contract: a source in, figures and the raw bytes behind them out.

A collector only fetches and parses; storing figures and evidence is the collect job's work, so
every kind of source (and a figure entered by hand) is stored the same way.

Errors (see :mod:`domain.errors`): a collector raises a :class:`~domain.errors.CollectionError` when the
source yields nothing usable, with the raw response in ``error.evidence`` whenever there was one.
When one part of a source fails and others succeed (one rejected file among several), the part's
error goes into :attr:`Collected.failures` and the rest is returned.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors.fetched import Fetched
from collectors.limits import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from collectors.http import HttpClient
    from domain.errors import CollectionError


@dataclass(frozen=True)
class FigureSpec:
    """Which indicator a source feeds, and what the source calls that figure.

    ``label`` is the indicator's ``source_field``: a column header, a row label or a JSON path.
    """

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
class Figure:
    indicator: str
    month: str  # YYYY-MM
    value: float
    unit: str
    cumulative: bool
    evidence: Fetched
    town: str | None = None
    where: str | None = None  # where in the evidence: "第 2 页，行“2023年9月”，列“网络零售额（万元）”"
    # A sum's records: (page, where, value in the indicator's unit). When they span several pages
    # the figure's evidence becomes one bundle of them all (:func:`collectors.bundle.bundle_figures`).
    parts: tuple[tuple[Fetched, str, float], ...] = ()


@dataclass(frozen=True)
class Filing:
    """A reporting system's 填报状态 for one month (MOFCOM 已填报 / 未填报)."""

    month: str
    filed: bool
    status_text: str
    evidence: Fetched


@dataclass
class Collected:
    figures: list[Figure] = field(default_factory=list)
    filings: list[Filing] = field(default_factory=list)
    failures: list[CollectionError] = field(default_factory=list)
    # Work to do only once the results are committed (moving an inbox file to processed/).
    after_commit: list[Callable[[], object]] = field(default_factory=list)
    attempted: bool = True  # False when there was nothing to collect (an empty inbox)
    whole: bool = False  # a file is stored whole: ``collect --month`` does not drop other months


@dataclass(frozen=True)
class CollectorEnv:
    """What every collector may use: the shared HTTP client and the data directory."""

    http: HttpClient
    data_dir: Path
    max_file_bytes: int = DEFAULT_MAX_BYTES  # files from outside (an inbox) larger are refused


class Collector(ABC):
    """Fetches a source and returns its figures, or raises :class:`domain.errors.CollectionError`.

    ``month`` (``YYYY-MM``) asks for one month where the source is read month by month; ``None``
    means the source's default (every month a table lists, or the month just ended) — the month
    before ``as_of``'s when a run judges another day. ``now`` is the real time every fetch is
    stamped with; it never follows ``as_of``.
    """

    kind: str

    def __init__(self, env: CollectorEnv) -> None:
        self.env = env

    @abstractmethod
    def collect(
        self, source: SourceConfig, *, now: datetime, month: str | None = None, as_of: date | None = None
    ) -> Collected: ...
