"""Collect → store with evidence. The scheduler, ``duban collect`` and ``duban refresh`` all come here.

Sources run concurrently, at most ``host_limit`` at a time per host (:mod:`collectors.lanes`), and
are stored as they finish, so a slow backend holds only itself. Each source's figures, evidence,
filings and attempt rows commit together: a crash leaves either all of a source's results or none.
A source that fails leaves a failed :class:`CollectionAttempt` with the page that showed the
problem; the evaluation turns the latest failed attempt into a ``collection_failed`` finding.
"""

from __future__ import annotations

import errno
import logging
import traceback
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from collectors.base import Collected, CollectorEnv, FigureSpec, SourceConfig
from collectors.bundle import bundle_figures
from collectors.http import host_of
from collectors.lanes import run_by_host
from collectors.registry import Registry
from db.engine import session_scope
from db.evidence import DiskSync
from db.plan import indicator_ids as plan_indicator_ids
from db.plan import source_feeds, source_rows
from domain.errors import CollectionError, ConfigurationError
from domain.secrets import (
    REFERENCE,
    is_secret_field,
    is_secret_variable,
    mask,
    resolve_setting,
)
from domain.userinfo import userinfo_passwords
from jobs.collect_store import BatchCounts, Finished, store_batch, write_pages

log = logging.getLogger(__name__)
MAX_PARALLEL_SOURCES = 8
# Each stored batch costs a transaction and a handful of statements whatever its size; gathering
# what finishes within a quarter of a second halves the storing time of a province (bench/collect.py)
# and still moves the progress bar four times a second.
GATHER_SECONDS = 0.25


@dataclass
class CollectResult:
    sources: int = 0
    figures: int = 0
    revisions: int = 0
    filings: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, counts: BatchCounts) -> None:
        self.figures += counts.figures
        self.revisions += counts.revisions
        self.filings += counts.filings
        self.failures += counts.failures


def load_sources(
    session: Session, *, project: str | None = None, source: str | None = None
) -> list[tuple[int, SourceConfig]]:
    """Every matching source with the figures it feeds; two queries, however many sources."""
    rows = source_rows(session, project=project, source=source)
    feeds: dict[tuple[int, str], list[FigureSpec]] = defaultdict(list)
    for project_id, source_code, code, field_, name, unit in source_feeds(
        session, project_ids={r[0] for r in rows}
    ):
        feeds[(project_id, source_code)].append(FigureSpec(code, field_ or name, unit or ""))
    return [
        (project_id, SourceConfig(project_code, code, kind, dict(settings), tuple(feeds[(project_id, code)])))
        for project_id, project_code, code, kind, settings in rows
    ]


def indicator_ids(session: Session, project_ids: set[int]) -> dict[tuple[int, str], dict[str, int]]:
    """(project id, source code) → {indicator code: id} for every indicator a source feeds."""
    return plan_indicator_ids(session, project_ids=project_ids)


def _with_secrets(
    config: SourceConfig, environ: Mapping[str, str], extra: Collection[str] = ()
) -> tuple[SourceConfig, list[str]]:
    """Resolve every ``${ENV}`` in the settings (nested ones too); also return the secrets used.

    A value is a secret when its setting or its variable says so (``password:``, ``${SHOP_KEY}``,
    tokens, cookies, the operator's ``extra``); those are masked wherever an error is kept, as is a
    password written into a URL. A secret variable outside a secret field (a database edited by
    hand) is a :class:`ConfigurationError`: its value would be sent. A backend URL or a user name
    read from the environment stays readable, so the error still says where it happened.
    """
    used: list[str] = []

    def walk(value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, str):
            secret_field = is_secret_field(path)
            used.extend(
                environ.get(name, "")
                for name in REFERENCE.findall(value)
                if secret_field or is_secret_variable(name, extra)
            )
            what = f"数据源 {config.code} 的 {'.'.join(path)}"
            resolved = resolve_setting(path, value, environ, what=what, extra=extra)
            used.extend(userinfo_passwords(resolved))
            return resolved
        if isinstance(value, dict):
            return {k: walk(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, path) for v in value]
        return value

    settings = walk(config.settings, ())
    return SourceConfig(config.project, config.code, config.kind, settings, config.figures), used


def lane_of(config: SourceConfig) -> str:
    """The host a source's requests go to; sources without one (files) get a lane of their own."""
    settings = config.settings
    for key in ("url", "base_url", "login_url"):
        url = settings.get(key)
        if isinstance(url, str) and "://" in url and "${" not in url.split("://", 1)[1].split("/", 1)[0]:
            return host_of(url)
    return f"{config.project}/{config.code}"


@dataclass(frozen=True)
class Collector:
    """What collecting one source needs, in whichever thread or instance collects it."""

    registry: Registry
    env: CollectorEnv
    evidence_dir: Path
    environ: Mapping[str, str]
    secret_variables: Collection[str] = ()

    def one(
        self,
        project_id: int,
        config: SourceConfig,
        *,
        now: datetime,
        month: str | None = None,
        as_of: date | None = None,
    ) -> Finished:
        """Collect one source and write its evidence files; never raises for the source's faults."""
        secrets: list[str] = []
        outcome: Collected | CollectionError
        try:
            resolved, secrets = _with_secrets(config, self.environ, self.secret_variables)
            collector = self.registry.create(config.kind, self.env)
            outcome = collector.collect(resolved, now=now, month=month, as_of=as_of)
            if month is not None and not outcome.whole:
                outcome.figures = [f for f in outcome.figures if f.month == month]
                outcome.filings = [f for f in outcome.filings if f.month == month]
            outcome.figures = bundle_figures(outcome.figures, secrets)  # a paged sum keeps every page
        except CollectionError as exc:
            outcome = exc
        except ConfigurationError as exc:
            outcome = CollectionError(config.code, f"配置有误：{exc}")
        except Exception as exc:  # a bug in one collector must not stop the others
            trace = mask(traceback.format_exc(), secrets)
            log.error("数据源 %s/%s 采集程序出错\n%s", config.project, config.code, trace)
            said = mask(f"{type(exc).__name__}: {exc}", secrets)
            outcome = CollectionError(config.code, f"采集程序出错：{said}")
        # Evidence files are hashed and written here, in the worker, off the storing thread.
        try:
            files = write_pages(self.evidence_dir, outcome)
        except OSError as exc:  # a full disk: no figure may be stored without its evidence
            outcome, files = evidence_not_kept(config.code, exc, outcome), {}
        return Finished(project_id, config, outcome, secrets, files)


def collect(
    engine: Engine,
    registry: Registry,
    env: CollectorEnv,
    evidence_dir: Path,
    *,
    now: datetime,
    as_of: date | None = None,
    environ: Mapping[str, str],
    secret_variables: Collection[str] = (),
    project: str | None = None,
    source: str | None = None,
    month: str | None = None,
    workers: int = MAX_PARALLEL_SOURCES,
    on_done: Callable[[SourceConfig], None] | None = None,
) -> CollectResult:
    """Collect every matching source once, in this process, and store what each yields (or why
    it failed). Several instances on PostgreSQL share the work instead (:mod:`jobs.collect_spread`).

    ``now`` is the real time (evidence, attempts); ``as_of``, when a run judges another day, only
    chooses the months a month-by-month source is read for.
    """
    with session_scope(engine) as session:
        configs = load_sources(session, project=project, source=source)
        ids = indicator_ids(session, {project_id for project_id, _ in configs})
    result = CollectResult(sources=len(configs))
    collector = Collector(registry, env, evidence_dir, environ, secret_variables)

    def run_one(entry: tuple[int, SourceConfig]) -> Finished:
        return collector.one(*entry, now=now, month=month, as_of=as_of)

    lanes = run_by_host(
        configs,
        lambda entry: lane_of(entry[1]),
        run_one,
        per_host=env.http.host_limit,
        workers=max(1, min(workers, len(configs))),
        gather=GATHER_SECONDS,
    )
    with DiskSync(evidence_dir) as disk:
        for batch in lanes:
            # Whatever finished meanwhile commits together: fewer commits, and still all of a
            # source's results or none.
            finished = on_disk(disk, [done for _, done in batch])
            with session_scope(engine) as session:
                counts = store_batch(session, finished, ids, now)
            result.add(counts)
            for done in finished:
                after_commit(done)
                if on_done is not None:
                    on_done(done.config)
    return result


def on_disk(disk: DiskSync, batch: list[Finished]) -> list[Finished]:
    """The batch, once its evidence files are safely on disk; if the disk refuses, each source
    in it has failed, as when a file could not be written."""
    if not any(done.files for done in batch):
        return batch  # nothing written: a flush would only push other programs' writes
    try:
        disk.flush()
    except OSError as exc:
        return [
            replace(done, outcome=evidence_not_kept(done.config.code, exc, done.outcome), files={})
            for done in batch
        ]
    return batch


def after_commit(done: Finished) -> None:
    """What a collector asked to do once its results are committed, e.g. moving an inbox file."""
    if not isinstance(done.outcome, Collected):
        return
    for action in done.outcome.after_commit:  # e.g. moving an inbox file to processed/
        try:
            action()
        except OSError as exc:
            log.error("收件文件移动失败：%s", exc)


def evidence_not_kept(source: str, error: OSError, outcome: Collected | CollectionError) -> CollectionError:
    """The evidence could not be written: the source counts as failed, with both reasons."""
    reason = "磁盘空间已满" if error.errno == errno.ENOSPC else (error.strerror or str(error))
    log.error("数据源 %s 的佐证文件无法保存：%s", source, error)
    earlier = f"{outcome.problem}；" if isinstance(outcome, CollectionError) else ""
    problem = f"{earlier}佐证文件无法保存（{reason}），本次数据未记录；腾出空间后下次采集会补上"
    return CollectionError(source, problem, url=getattr(outcome, "url", None))
