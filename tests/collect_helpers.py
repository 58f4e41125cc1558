"""Shared pieces for the collector tests: a fixed clock, a collector environment, a database with
projects, sources and indicators made directly (not through a plan file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from collectors.base import CollectorEnv, FigureSpec, SourceConfig
from collectors.http import HttpClient
from db.engine import make_engine, upgrade
from db.models import Indicator, Project, Source

# 2023-10-05 09:00 in Beijing: inside the MOFCOM reporting window for September.
NOW = datetime(2023, 10, 5, 1, 0, tzinfo=UTC)


def make_env(tmp_path: Path, *, timeout: float = 3.0, **options: Any) -> CollectorEnv:
    options.setdefault("backoff", 0.01)
    return CollectorEnv(HttpClient(timeout=timeout, **options), tmp_path)


def config(
    kind: str, settings: dict[str, Any], *fields: tuple[str, str, str], code: str = "src", project: str = "p"
) -> SourceConfig:
    """A source feeding ``fields``: (indicator code, source_field, indicator unit)."""
    return SourceConfig(project, code, kind, settings, tuple(FigureSpec(*f) for f in fields))


def make_db(tmp_path: Path, sources: Sequence[SourceConfig], url: str | None = None) -> Engine:
    """A database (SQLite in ``tmp_path`` unless ``url``) with each source's project, the source
    and the indicators it feeds."""
    engine = make_engine(url or f"sqlite:///{tmp_path / 'duban.db'}")
    upgrade(engine)
    with Session(engine) as session:
        projects: dict[str, Project] = {}
        for source in sources:
            if source.project not in projects:
                projects[source.project] = Project(
                    code=source.project, name=f"项目{source.project}", county="某县"
                )
                session.add(projects[source.project])
                session.flush()
            owner = projects[source.project]
            session.add(
                Source(project_id=owner.id, code=source.code, kind=source.kind, settings=source.settings)
            )
            for spec in source.figures:
                session.add(
                    Indicator(
                        project_id=owner.id,
                        code=spec.indicator,
                        name=spec.indicator,
                        unit=spec.unit,
                        target=100,
                        source_code=source.code,
                        source_field=spec.label,
                    )
                )
        session.commit()
    return engine
