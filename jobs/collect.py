"""Collect → store with evidence. The scheduler, ``duban collect`` and ``duban refresh`` all come here.

Sources run concurrently, at most ``host_limit`` at a time per host (:mod:`collectors.lanes`), and
are stored as they finish, so a slow backend holds only itself. Each source's figures, evidence,
filings and attempt rows commit together: a crash leaves either all of a source's results or none.
A source that fails leaves a failed :class:`CollectionAttempt` with the page that showed the
problem; the evaluation turns the latest failed attempt into a ``collection_failed`` finding.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.errors import CollectionError, ConfigurationError
from bot.secrets import REFERENCE, mask, resolve
from collectors.base import Collected, CollectorEnv, Fetched, FigureSpec, SourceConfig
from collectors.http import host_of
from collectors.lanes import run_by_host
from collectors.registry import Registry
from db.engine import session_scope
from db.enums import Origin
from db.evidence import evidence_id, write_evidence_file
from db.measurements import NewValue, record_measurements
from db.models import CollectionAttempt, Indicator, Project, ReportFiling, Source
from db.types import code_point_order

log = logging.getLogger(__name__)
MAX_PARALLEL_SOURCES = 8


@dataclass
class CollectResult:
    sources: int = 0
    figures: int = 0
    revisions: int = 0
    filings: int = 0
    failures: list[str] = field(default_factory=list)


def load_sources(
    session: Session, *, project: str | None = None, source: str | None = None
) -> list[tuple[int, SourceConfig]]:
    """Every matching source with the figures it feeds; two queries, however many sources."""
    query = sa_select(Project.id, Project.code, Source.code, Source.kind, Source.settings).join(  # type: ignore[call-overload]
        Source, Source.project_id == Project.id
    )
    if project:
        query = query.where(Project.code == project)
    if source:
        query = query.where(Source.code == source)
    rows = session.execute(
        query.order_by(code_point_order(Project.code), code_point_order(Source.code))
    ).all()
    feeds: dict[tuple[int, str], list[FigureSpec]] = defaultdict(list)
    indicators = sa_select(  # type: ignore[call-overload]
        Indicator.project_id,
        Indicator.source_code,
        Indicator.code,
        Indicator.source_field,
        Indicator.name,
        Indicator.unit,
    ).where(col(Indicator.source_code).is_not(None), col(Indicator.project_id).in_({r[0] for r in rows}))
    for project_id, source_code, code, field_, name, unit in session.execute(
        indicators.order_by(Indicator.id)
    ):
        feeds[(project_id, source_code)].append(FigureSpec(code, field_ or name, unit or ""))
    return [
        (project_id, SourceConfig(project_code, code, kind, dict(settings), tuple(feeds[(project_id, code)])))
        for project_id, project_code, code, kind, settings in rows
    ]


def _with_secrets(config: SourceConfig, environ: Mapping[str, str]) -> tuple[SourceConfig, list[str]]:
    """Resolve every ``${ENV}`` in the settings (nested ones too); also return the values used."""
    used: list[str] = []

    def walk(value: Any, key: str) -> Any:
        if isinstance(value, str):
            used.extend(environ.get(name, "") for name in REFERENCE.findall(value))
            return resolve(value, environ, what=f"数据源 {config.code} 的 {key}")
        if isinstance(value, dict):
            return {k: walk(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return value

    settings = walk(config.settings, "")
    return SourceConfig(config.project, config.code, config.kind, settings, config.figures), used


def lane_of(config: SourceConfig) -> str:
    """The host a source's requests go to; sources without one (files) get a lane of their own."""
    settings = config.settings
    for key in ("url", "base_url", "login_url"):
        url = settings.get(key)
        if isinstance(url, str) and "://" in url and "${" not in url.split("://", 1)[1].split("/", 1)[0]:
            return host_of(url)
    return f"{config.project}/{config.code}"


Outcome = tuple[Collected | CollectionError, list[str]]


def collect(
    engine: Engine,
    registry: Registry,
    env: CollectorEnv,
    evidence_dir: Path,
    *,
    now: datetime,
    environ: Mapping[str, str],
    project: str | None = None,
    source: str | None = None,
    month: str | None = None,
    workers: int = MAX_PARALLEL_SOURCES,
    on_done: Callable[[SourceConfig], None] | None = None,
) -> CollectResult:
    """Collect every matching source once and store what each yields (or why it failed)."""
    with session_scope(engine) as session:
        configs = load_sources(session, project=project, source=source)
    result = CollectResult(sources=len(configs))

    def run_one(entry: tuple[int, SourceConfig]) -> Outcome:
        _, config = entry
        secrets: list[str] = []
        try:
            resolved, secrets = _with_secrets(config, environ)
            collected = registry.create(config.kind, env).collect(resolved, now=now, month=month)
            _write_evidence_files(evidence_dir, collected)
            return collected, secrets
        except CollectionError as exc:
            _write_evidence_files(evidence_dir, exc)
            return exc, secrets
        except ConfigurationError as exc:
            return CollectionError(config.code, f"配置有误：{exc}"), secrets
        except Exception as exc:  # a bug in one collector must not stop the others
            log.exception("数据源 %s/%s 采集程序出错", config.project, config.code)
            return CollectionError(config.code, f"采集程序出错：{type(exc).__name__}: {exc}"), secrets

    lanes = run_by_host(
        configs,
        lambda entry: lane_of(entry[1]),
        run_one,
        per_host=env.http.host_limit,
        workers=max(1, min(workers, len(configs))),
    )
    for batch in lanes:
        # Whatever finished while the last batch was stored commits together: fewer commits, and
        # still all of a source's results or none.
        after_commit: list[Callable[[], None]] = []
        with session_scope(engine) as session:
            for (project_id, config), (outcome, secrets) in batch:
                if month is not None and isinstance(outcome, Collected) and not outcome.whole:
                    outcome.figures = [f for f in outcome.figures if f.month == month]
                    outcome.filings = [f for f in outcome.filings if f.month == month]
                _store(session, evidence_dir, project_id, config, outcome, now, result, secrets)
                if isinstance(outcome, Collected):
                    after_commit += outcome.after_commit
        for action in after_commit:
            try:
                action()
            except OSError as exc:
                log.error("收件文件移动失败：%s", exc)
        if on_done is not None:
            for (_, config), _ in batch:
                on_done(config)
    return result


def _write_evidence_files(root: Path, outcome: Collected | CollectionError) -> None:
    """Hash and write the evidence in the worker thread, off the storing thread's critical path."""
    if isinstance(outcome, CollectionError):
        pages = [outcome.evidence] if outcome.evidence is not None else []
    else:
        pages = [f.evidence for f in outcome.figures] + [f.evidence for f in outcome.filings]
        pages += [e.evidence for e in outcome.failures if e.evidence is not None]
    written: set[int] = set()
    for page in pages:
        if id(page) not in written:
            written.add(id(page))
            write_evidence_file(root, page.body, origin=page.url, content_type=page.content_type)


def _store(
    session: Session,
    evidence_dir: Path,
    project_id: int,
    config: SourceConfig,
    outcome: Collected | CollectionError,
    now: datetime,
    result: CollectResult,
    secrets: list[str],
) -> None:
    kept: dict[int, int] = {}  # one page yields many figures: hash and store it once

    def keep(session: Session, raw: Fetched | None) -> int | None:
        if raw is None:
            return None
        if id(raw) not in kept:
            kept[id(raw)] = evidence_id(
                session,
                evidence_dir,
                raw.body,
                origin=raw.url,
                fetched_at=raw.fetched_at,
                content_type=raw.content_type,
                http_status=raw.status,
            )
        return kept[id(raw)]

    def failed(session: Session, error: CollectionError) -> None:
        text = mask(str(error), secrets)
        session.add(
            CollectionAttempt(
                project_id=project_id,
                source_code=config.code,
                ok=False,
                error=text,
                started_at=now,
                evidence_id=keep(session, getattr(error, "evidence", None)),
            )
        )
        result.failures.append(text)
        log.warning("采集失败：%s", text)

    if isinstance(outcome, CollectionError):
        failed(session, outcome)
        return
    if not outcome.attempted:
        return
    stored, last = _store_figures(session, project_id, config, outcome, keep, result), None
    for filing in outcome.filings:
        last = keep(session, filing.evidence)
        _upsert_filing(session, project_id, config.code, filing.month, filing.filed, now, last)
        result.filings += 1
    if outcome.figures or outcome.filings or not outcome.failures:
        last = keep(session, outcome.figures[-1].evidence) if outcome.figures else last
        session.add(
            CollectionAttempt(
                project_id=project_id,
                source_code=config.code,
                ok=True,
                figures=len(outcome.figures),
                started_at=now,
                evidence_id=last,
            )
        )
    for error in outcome.failures:  # after the ok row: the latest attempt shows the problem
        failed(session, error)
    log.info(
        "数据源 %s/%s：%d 个数据，%d 个为新值", config.project, config.code, len(outcome.figures), stored
    )


def _store_figures(
    session: Session,
    project_id: int,
    config: SourceConfig,
    outcome: Collected,
    keep: Callable[[Session, Fetched | None], int | None],
    result: CollectResult,
) -> int:
    indicators = dict(
        session.execute(
            sa_select(Indicator.code, Indicator.id).where(  # type: ignore[call-overload]
                Indicator.project_id == project_id, Indicator.source_code == config.code
            )
        ).all()
    )
    values = [
        NewValue(
            indicators[figure.indicator],
            figure.month,
            figure.value,
            figure.unit,
            Origin.COLLECTED,
            cumulative=figure.cumulative,
            evidence_id=keep(session, figure.evidence),
            source_code=config.code,
            town=figure.town,
            locator=figure.where,
        )
        for figure in outcome.figures
    ]
    revisions = record_measurements(session, values)
    result.figures += len(revisions)
    result.revisions += sum(revision > 1 for revision in revisions)
    return len(revisions)


def _upsert_filing(
    session: Session,
    project_id: int,
    source_code: str,
    month: str,
    filed: bool,
    now: datetime,
    evidence: int | None,
) -> None:
    row = session.exec(
        select(ReportFiling).where(
            ReportFiling.project_id == project_id,
            ReportFiling.source_code == source_code,
            ReportFiling.month == month,
        )
    ).first() or ReportFiling(project_id=project_id, source_code=source_code, month=month, filed=filed)
    row.filed, row.checked_at = filed, now
    row.evidence_id = evidence or row.evidence_id
    session.add(row)
