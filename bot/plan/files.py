"""Import plan files and ledgers: check every file first, then write each in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.errors import PlanFileError
from bot.plan.importer import ImportReport, import_item, import_plan
from bot.plan.ledger import read_ledger
from bot.plan.loader import load_plan_file
from bot.plan.schema import ItemSpec, PlanSpec
from db.engine import session_scope
from db.models import Project

PLAN_SUFFIXES = (".yaml", ".yml")
LEDGER_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Parsed:
    path: Path
    plan: PlanSpec | None = None
    items: list[ItemSpec] | None = None


def parse_file(path: Path, *, year: int | None = None) -> Parsed:
    suffix = path.suffix.lower()
    if suffix in PLAN_SUFFIXES:
        return Parsed(path, plan=load_plan_file(path))
    if suffix in LEDGER_SUFFIXES:
        return Parsed(path, items=read_ledger(path, year=year))
    raise PlanFileError(
        path, f"不支持的文件类型 {suffix or '(无扩展名)'}；可导入 .yaml 方案文件或 .xlsx 台账"
    )


def import_files(
    engine: Engine, paths: list[Path], *, project: str | None = None, year: int | None = None
) -> list[ImportReport]:
    """Import ``paths``; if any file is invalid, raise for it and import none of them."""
    parsed = [parse_file(path, year=year) for path in paths]
    reports = []
    for entry in parsed:
        with session_scope(engine) as session:
            if entry.plan is not None:
                reports.append(import_plan(session, entry.plan, entry.path))
                continue
            target = project or _single_project(session, entry.path)
            row = session.exec(select(Project).where(Project.code == target)).first()
            if row is None or row.id is None:
                raise PlanFileError(entry.path, f"项目 {target} 不存在；请先导入它的方案文件")
            report = ImportReport(entry.path, target)
            for item in entry.items or []:
                import_item(session, report, row.id, item, reason=f"导入台账 {entry.path.name}")
            reports.append(report)
    return reports


def _single_project(session: object, path: Path) -> str:
    codes = list(session.exec(select(Project.code)))  # type: ignore[attr-defined]
    if len(codes) == 1:
        return str(codes[0])
    raise PlanFileError(
        path, f"台账不写项目，请用 --project 指明导入到哪个项目（现有：{'、'.join(codes) or '无'}）"
    )
