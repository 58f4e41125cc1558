"""Store a batch of finished sources in one transaction, with a handful of statements.

A province is ~1,000 pages of ~27 figures each; storing them row by row would cost more than
fetching and parsing them. So a batch (whatever finished while the last one was stored) is written
as: one query for the evidence rows already kept, one insert per new page, one read of the latest
revisions and one bulk insert of the figures, and one bulk insert of the attempts. The evidence
files themselves were hashed and written by the worker threads (:func:`write_pages`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from collectors.base import Collected, SourceConfig
from collectors.fetched import Fetched
from db.evidence import evidence_row_ids, write_evidence_file
from db.measurements import NewValue, record_attempts, record_filing, record_measurements
from domain.enums import Origin
from domain.errors import CollectionError
from domain.secrets import mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """An evidence file on disk, named by its sha256, waiting for its row."""

    digest: str
    path: str
    page: Fetched


def write_pages(root: Path, outcome: Collected | CollectionError) -> dict[int, Written]:
    """Hash and write a source's pages (in the worker thread); keyed by ``id(page)``.

    The files are not synced one by one: the caller flushes the disk once per batch
    (:class:`db.evidence.DiskSync`) before storing the rows that refer to them.
    """
    if isinstance(outcome, CollectionError):
        pages = [outcome.evidence] if outcome.evidence is not None else []
    else:
        pages = [f.evidence for f in outcome.figures] + [f.evidence for f in outcome.filings]
        pages += [e.evidence for e in outcome.failures if e.evidence is not None]
    written: dict[int, Written] = {}
    for page in pages:
        if id(page) not in written:
            digest, relative = write_evidence_file(
                root, page.body, origin=page.url, content_type=page.content_type, sync=False
            )
            written[id(page)] = Written(digest, relative.as_posix(), page)
    return written


@dataclass
class Finished:
    """One source's outcome as the worker handed it over."""

    project_id: int
    config: SourceConfig
    outcome: Collected | CollectionError
    secrets: list[str]
    files: dict[int, Written]


@dataclass
class BatchCounts:
    figures: int = 0
    revisions: int = 0
    filings: int = 0
    failures: list[str] = field(default_factory=list)


def store_batch(
    session: Session,
    batch: list[Finished],
    indicator_ids: dict[tuple[int, str], dict[str, int]],
    now: datetime,
) -> BatchCounts:
    """Write every source of ``batch``; the caller commits (all of it, or none of it)."""
    writer = _BatchWriter(session, batch, indicator_ids, now)
    for finished in batch:
        writer.add(finished)
    return writer.finish()


class _BatchWriter:
    """Gathers a batch's figures and attempts, then writes each kind in one statement."""

    def __init__(
        self,
        session: Session,
        batch: list[Finished],
        indicator_ids: dict[tuple[int, str], dict[str, int]],
        now: datetime,
    ) -> None:
        self.session, self.indicator_ids, self.now = session, indicator_ids, now
        self.evidence = _EvidenceRows(session, [page for f in batch for page in f.files.values()])
        self.values: list[NewValue] = []
        self.attempts: list[dict[str, Any]] = []
        self.counts = BatchCounts()

    def add(self, finished: Finished) -> None:
        outcome, config = finished.outcome, finished.config
        if isinstance(outcome, CollectionError):
            self._failed(finished, outcome)
            return
        if not outcome.attempted:
            return
        ids = self.indicator_ids.get((finished.project_id, config.code), {})
        self.values += [
            NewValue(
                ids[f.indicator],
                f.month,
                f.value,
                f.unit,
                Origin.COLLECTED,
                cumulative=f.cumulative,
                evidence_id=self._keep(finished, f.evidence),
                source_code=config.code,
                town=f.town,
                locator=f.where,
            )
            for f in outcome.figures
        ]
        last = None
        for filing in outcome.filings:
            last = self._keep(finished, filing.evidence)
            record_filing(
                self.session,
                project_id=finished.project_id,
                source_code=config.code,
                month=filing.month,
                filed=filing.filed,
                now=self.now,
                evidence_id=last,
            )
            self.counts.filings += 1
        if outcome.figures or outcome.filings or not outcome.failures:
            last = self._keep(finished, outcome.figures[-1].evidence) if outcome.figures else last
            self._attempt(finished, ok=True, figures=len(outcome.figures), evidence_id=last)
        for error in outcome.failures:  # after the ok row: the latest attempt shows the problem
            self._failed(finished, error)
        log.info("数据源 %s/%s：%d 个数据", config.project, config.code, len(outcome.figures))

    def finish(self) -> BatchCounts:
        revisions = record_measurements(self.session, self.values)
        self.counts.figures, self.counts.revisions = len(revisions), sum(r > 1 for r in revisions)
        record_attempts(self.session, self.attempts)
        return self.counts

    def _keep(self, finished: Finished, page: Fetched | None) -> int | None:
        return self.evidence.ids[finished.files[id(page)].digest] if page is not None else None

    def _failed(self, finished: Finished, error: CollectionError) -> None:
        text = mask(str(error), finished.secrets)
        self._attempt(finished, ok=False, error=text, evidence_id=self._keep(finished, error.evidence))
        self.counts.failures.append(text)
        log.warning("采集失败：%s", text)

    def _attempt(self, finished: Finished, **values: Any) -> None:
        self.attempts.append(
            {
                "project_id": finished.project_id,
                "source_code": finished.config.code,
                "started_at": self.now,
                "figures": 0,
                "error": None,
                **values,
            }
        )


class _EvidenceRows:
    """Evidence row ids for a batch's pages, one row per sha256 however many pages share it."""

    def __init__(self, session: Session, files: list[Written]) -> None:
        by_digest = {f.digest: f for f in files}
        rows = [
            {
                "sha256": f.digest,
                "path": f.path,
                "origin": mask(f.page.url),  # no http://user:PASS@ in a stored origin
                "size": len(f.page.body),
                "content_type": f.page.content_type,
                "http_status": f.page.status,
                "fetched_at": f.page.fetched_at,
            }
            for f in by_digest.values()
        ]
        self.ids = evidence_row_ids(session, rows=rows)
