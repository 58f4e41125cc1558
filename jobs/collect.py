"""Collect → store with evidence. Sources run concurrently; each source's figures, evidence and
attempt row commit together, so a crash leaves either all of a source's results or none."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.errors import CollectionError, ConfigurationError
from bot.secrets import resolve
from collectors.base import Collected, Collector, FigureSpec, SourceConfig
from collectors.registry import Registry
from db.engine import session_scope
from db.enums import Origin
from db.evidence import store_evidence
from db.measurements import record_measurement
from db.models import CollectionAttempt, Evidence, Indicator, Project, Source

log = logging.getLogger(__name__)
MAX_PARALLEL_SOURCES = 8


@dataclass
class CollectResult:
    sources: int = 0
    figures: int = 0
    revisions: int = 0
    failures: list[str] = field(default_factory=list)


def load_sources(
    session: Session, *, project: str | None = None, source: str | None = None
) -> list[tuple[int, SourceConfig]]:
    query = select(Source, Project).join(Project).order_by(Project.code, Source.code)
    if project:
        query = query.where(Project.code == project)
    if source:
        query = query.where(Source.code == source)
    configs = []
    for row, owner in session.exec(query):
        indicators = session.exec(
            select(Indicator).where(Indicator.project_id == owner.id, Indicator.source_code == row.code)
        ).all()
        figures = tuple(FigureSpec(i.code, i.source_field or i.name, i.unit or "") for i in indicators)
        assert owner.id is not None
        configs.append((owner.id, SourceConfig(owner.code, row.code, row.kind, dict(row.settings), figures)))
    return configs


def _with_secrets(config: SourceConfig, environ: Mapping[str, str]) -> SourceConfig:
    settings = {
        k: resolve(v, environ, what=f"数据源 {config.code} 的 {k}") if isinstance(v, str) else v
        for k, v in config.settings.items()
    }
    return SourceConfig(config.project, config.code, config.kind, settings, config.figures)


def collect(
    engine: Engine,
    registry: Registry,
    evidence_dir: Path,
    *,
    now: datetime,
    environ: Mapping[str, str],
    timeout: float,
    project: str | None = None,
    source: str | None = None,
    month: str | None = None,
    on_done: Callable[[SourceConfig], None] | None = None,
) -> CollectResult:
    """Collect every matching source once and store what each yields (or why it failed)."""
    with session_scope(engine) as session:
        configs = load_sources(session, project=project, source=source)
    result = CollectResult(sources=len(configs))

    def run_one(entry: tuple[int, SourceConfig]) -> tuple[int, SourceConfig, Collected | Exception]:
        project_id, config = entry
        try:
            collector: Collector = registry.create(config.kind, timeout=timeout)
            return project_id, config, collector.collect(_with_secrets(config, environ), now=now)
        except (CollectionError, ConfigurationError) as exc:
            return project_id, config, exc

    workers = max(1, min(MAX_PARALLEL_SOURCES, len(configs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
        for project_id, config, outcome in pool.map(run_one, configs):
            if month is not None and isinstance(outcome, Collected):
                outcome = Collected([f for f in outcome.figures if f.month == month])
            _store(engine, evidence_dir, project_id, config, outcome, now, result)
            if on_done is not None:
                on_done(config)
    return result


def _store(
    engine: Engine,
    evidence_dir: Path,
    project_id: int,
    config: SourceConfig,
    outcome: Collected | Exception,
    now: datetime,
    result: CollectResult,
) -> None:
    with session_scope(engine) as session:
        if isinstance(outcome, Exception):
            raw = getattr(outcome, "evidence", None)
            evidence = (
                store_evidence(
                    session,
                    evidence_dir,
                    raw.body,
                    origin=raw.url,
                    fetched_at=raw.fetched_at,
                    content_type=raw.content_type,
                    http_status=raw.status,
                )
                if raw is not None
                else None
            )
            session.add(
                CollectionAttempt(
                    project_id=project_id,
                    source_code=config.code,
                    ok=False,
                    error=str(outcome),
                    started_at=now,
                    evidence_id=evidence.id if evidence else None,
                )
            )
            result.failures.append(str(outcome))
            log.warning("采集失败：%s", outcome)
            return
        indicators = {
            i.code: i for i in session.exec(select(Indicator).where(Indicator.project_id == project_id))
        }
        stored = 0
        kept: dict[int, Evidence] = {}  # one page yields many figures: hash and store it once
        last_evidence = None
        for figure in outcome.figures:
            raw = figure.evidence
            if id(raw) not in kept:
                kept[id(raw)] = store_evidence(
                    session,
                    evidence_dir,
                    raw.body,
                    origin=raw.url,
                    fetched_at=raw.fetched_at,
                    content_type=raw.content_type,
                    http_status=raw.status,
                )
            last_evidence = kept[id(raw)]
            row = record_measurement(
                session,
                indicator=indicators[figure.indicator],
                month=figure.month,
                value=figure.value,
                unit=figure.unit,
                origin=Origin.COLLECTED,
                cumulative=figure.cumulative,
                evidence=last_evidence,
                source_code=config.code,
                town=figure.town,
            )
            if row is not None:
                stored += 1
                result.revisions += row.revision > 1
        session.add(
            CollectionAttempt(
                project_id=project_id,
                source_code=config.code,
                ok=True,
                figures=len(outcome.figures),
                started_at=now,
                evidence_id=last_evidence.id if last_evidence else None,
            )
        )
        result.figures += stored
        log.info(
            "数据源 %s/%s：%d 个数据，%d 个为新值", config.project, config.code, len(outcome.figures), stored
        )
