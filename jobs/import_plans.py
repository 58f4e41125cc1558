"""Import plan files and ledgers, all or nothing: every file is checked first, then all are written
in one transaction, so a file that fails (even at the database, e.g. a ledger for a project that
does not exist) leaves nothing from the others behind.

Channel and source kinds are checked against the registries the import is handed
(:class:`KnownKinds`; the shipped ones when none is), so an unknown kind is an error naming the
file, the line and the field, not a surprise when collecting or sending."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from collectors.limits import DEFAULT_MAX_BYTES
from collectors.plan.ledger import LEDGER_SUFFIXES, read_ledger
from collectors.plan.loader import load_plan_or_rules
from db.engine import session_scope
from db.plan import ImportReport, import_item, import_plan, project_by_code, project_codes
from db.rules import apply_batches, batch_grades, import_ruleset
from domain.errors import PlanFileError
from domain.plan.ruleset import RuleSetSpec
from domain.plan.schema import ItemSpec, KnownKinds, PlanSpec

PLAN_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Parsed:
    path: Path
    plan: PlanSpec | None = None
    items: list[ItemSpec] | None = None
    rules: RuleSetSpec | None = None  # a provincial notice applied to batches of counties


def known_kinds(channels: Iterable[str], sources: Iterable[str]) -> KnownKinds:
    """The kinds a plan may name: those of the channel and the collector registry in use."""
    return KnownKinds(channels=frozenset(channels), sources=frozenset(sources))


def builtin_kinds() -> KnownKinds:
    """The kinds duban ships (imported here, not at start-up: the registries pull in the clients)."""
    from collectors.registry import default_registry
    from notifiers.registry import builtin_channels

    return known_kinds(builtin_channels().kinds, default_registry().kinds)


def parse_file(
    path: Path,
    *,
    year: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kinds: KnownKinds | None = None,
    secret_variables: Collection[str] = (),
) -> Parsed:
    """Read one plan file or ledger; ``kinds`` defaults to :func:`builtin_kinds`.

    ``secret_variables``: the operator's secret variables (``DUBAN_SECRET_VARIABLES``); with those
    named like one, a plan may refer to them only from secret fields (:mod:`domain.secrets`).
    """
    suffix = path.suffix.lower()
    if suffix in PLAN_SUFFIXES:
        kinds, extra = kinds or builtin_kinds(), frozenset(secret_variables)
        spec = load_plan_or_rules(path, max_bytes=max_bytes, kinds=kinds, secret_variables=extra)
        if isinstance(spec, RuleSetSpec):
            return Parsed(path, rules=spec)
        return Parsed(path, plan=spec)
    if suffix in LEDGER_SUFFIXES:
        return Parsed(path, items=read_ledger(path, year=year, max_bytes=max_bytes))
    raise PlanFileError(
        path,
        f"不支持的文件类型 {suffix or '(无扩展名)'}；可导入 .yaml 方案文件，或 .xlsx、.xls、.et（WPS）台账",
    )


def import_files(
    engine: Engine,
    paths: list[Path],
    *,
    project: str | None = None,
    year: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kinds: KnownKinds | None = None,
    secret_variables: Collection[str] = (),
) -> list[ImportReport]:
    """Import ``paths``; if any file is invalid, raise for it and import none of them."""
    kinds = kinds or builtin_kinds()
    parsed = [
        parse_file(path, year=year, max_bytes=max_bytes, kinds=kinds, secret_variables=secret_variables)
        for path in paths
    ]
    # Notices first: a county's plan in the same import then finds its batches already stored.
    parsed.sort(key=lambda entry: entry.rules is None)
    reports = []
    with session_scope(engine) as session:
        for entry in parsed:
            try:
                reports.extend(_write(session, entry, project))
            except SQLAlchemyError as exc:  # a value the database refuses: the whole import rolls back
                problem = f"写入数据库失败（{type(exc).__name__}），全部文件均未导入"
                raise PlanFileError(entry.path, problem) from None
    return reports


def _write(session: Session, entry: Parsed, project: str | None) -> list[ImportReport]:
    if entry.rules is not None:
        return import_ruleset(session, entry.rules, entry.path)
    if entry.plan is not None:
        plan = entry.plan
        report = import_plan(session, plan, entry.path, batch_grades=batch_grades(session, plan.applies))
        apply_batches(session, report, plan.project.code, plan.applies)
        report.warnings.extend(plan.name_warnings())
        return [report]
    target = project or _single_project(session, entry.path)
    row = project_by_code(session, code=target)
    if row is None or row.id is None:
        raise PlanFileError(entry.path, f"项目 {target} 不存在；请先导入它的方案文件")
    report = ImportReport(entry.path, target)
    for item in entry.items or []:
        import_item(session, report, row.id, item, reason=f"导入台账 {entry.path.name}")
    return [report]


def _single_project(session: Session, path: Path) -> str:
    codes = project_codes(session)
    if len(codes) == 1:
        return str(codes[0])
    raise PlanFileError(
        path, f"台账不写项目，请用 --project 指明导入到哪个项目（现有：{'、'.join(codes) or '无'}）"
    )
