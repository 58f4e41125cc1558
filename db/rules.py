"""Rule sets in the store: a provincial notice's batches, and their requirements in each county.

The one writer of ``RuleBatch``. A batch is kept whole (its requirements as validated specs), so
a county project imported after the notice still gets them; importing either file applies the
batch's requirements to every project in it as that project's indicators (``Indicator.ruleset``
names the batch). Nothing commits here: the caller owns the transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from db.models import Indicator, Project, RuleBatch
from db.plan import ImportReport, import_indicator, project_by_code, projects
from domain.errors import PlanFileError
from domain.plan.ruleset import BatchSpec, RuleSetSpec
from domain.plan.schema import IndicatorSpec


def import_ruleset(session: Session, rules: RuleSetSpec, path: Path) -> list[ImportReport]:
    """Store every batch of ``rules`` and apply it to the projects in it: one report for the rule
    set, then one per county project that changed."""
    report = ImportReport(path, rules.ruleset.code, format_version=rules.format or 2, target="规则集")
    grades = [g.model_dump() for g in rules.grades]
    county_reports: dict[str, ImportReport] = {}
    for batch in rules.batches:
        row = _store_batch(session, report, rules, batch, grades, path)
        members = _projects_in(session, row)
        for code in batch.projects:
            if code not in {p.code for p in members}:
                report.warnings.append(
                    f"批次 {batch.code} 的项目 {code} 尚未导入；导入它的方案文件后会自动套用本批次"
                )
        for project in members:
            county = county_reports.setdefault(project.code, ImportReport(path, project.code))
            _apply(session, county, project, row)
            if not project.grade_bands and grades:
                project.grade_bands = grades
                session.add(project)
                county.count(county.updated, "project")
    return [report, *(r for r in county_reports.values() if r.changed or r.warnings)]


def apply_batches(session: Session, report: ImportReport, project_code: str, applies: list[str]) -> None:
    """Apply the stored batches a county's plan names in ``applies`` (a batch not imported yet is
    named in a warning, and applied when the notice is imported)."""
    project = project_by_code(session, code=project_code)
    assert project is not None and project.id is not None
    for code in applies:
        row = batch_by_code(session, code=code)
        if row is None:
            report.warnings.append(f"规则集批次 {code} 尚未导入；导入省里的通知（规则集文件）后会自动套用")
            continue
        _apply(session, report, project, row)


def batch_grades(session: Session, applies: list[str]) -> list[dict[str, Any]]:
    """The grade bands of the first batch in ``applies`` that has any."""
    for code in applies:
        row = batch_by_code(session, code=code)
        if row is not None and row.grades:
            return list(row.grades)
    return []


def batch_by_code(session: Session, *, code: str) -> RuleBatch | None:
    return session.exec(select(RuleBatch).where(RuleBatch.code == code)).first()


def _store_batch(
    session: Session,
    report: ImportReport,
    rules: RuleSetSpec,
    batch: BatchSpec,
    grades: list[dict[str, Any]],
    path: Path,
) -> RuleBatch:
    values: dict[str, Any] = {
        "code": batch.code,
        "ruleset": rules.ruleset.code,
        "name": batch.name,
        "document": rules.ruleset.document,
        "source_file": path.name,
        "counties": list(batch.counties),
        "projects": list(batch.projects),
        "grades": grades,
        "indicators": [i.model_dump(mode="json") for i in batch.indicators],
    }
    row = batch_by_code(session, code=batch.code)
    if row is not None and row.ruleset != rules.ruleset.code:
        raise PlanFileError(path, f"批次代码 {batch.code} 已被规则集 {row.ruleset} 使用，请换一个代码")
    if row is None:
        row = RuleBatch(**values)
        report.count(report.created, "rulebatch")
    elif any(getattr(row, k) != v for k, v in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        report.count(report.updated, "rulebatch")
    session.add(row)
    session.flush()
    return row


def _projects_in(session: Session, batch: RuleBatch) -> list[Project]:
    """The projects a batch applies to: those it lists, and those whose plan names it."""
    return [p for p in projects(session) if p.code in batch.projects or batch.code in (p.applies or [])]


def _apply(session: Session, report: ImportReport, project: Project, batch: RuleBatch) -> None:
    """The batch's requirements as the project's indicators; a code the county's own plan already
    uses is refused rather than overwritten."""
    assert project.id is not None
    wanted = [IndicatorSpec.model_validate(stored) for stored in batch.indicators]
    existing = {i.code: i for i in session.exec(select(Indicator).where(Indicator.project_id == project.id))}
    for spec in wanted:
        other = existing.get(spec.code)
        if other is not None and other.ruleset != batch.code:
            owner = f"批次 {other.ruleset}" if other.ruleset else "项目自己的方案"
            message = f"批次 {batch.code} 的指标 {spec.code} 与{owner}中的指标代码相同（项目 {project.code}）"
            raise PlanFileError(Path(batch.source_file or batch.code), message)
        import_indicator(session, report, project.id, spec, ruleset=batch.code)
    dropped = sorted(code for code, i in existing.items() if i.ruleset == batch.code)
    gone = [code for code in dropped if code not in {s.code for s in wanted}]
    if gone:
        # Figures and alerts hang on these rows: kept, and said, rather than deleted silently.
        codes = "、".join(gone)
        report.warnings.append(
            f"指标 {codes} 已不在批次 {batch.code} 中，仍保留在项目 {project.code} 里；如不再需要请手工删除"
        )


# --- reading the plan for a self-check ---------------------------------------------------------


def standards_of(
    session: Session, *, project_id: int
) -> list[tuple[str, str | None, float | None, str | None]]:
    """(code, requirement, points, part_of) of every indicator of a project."""
    query = select(Indicator.code, Indicator.requirement, Indicator.points, Indicator.part_of).where(
        Indicator.project_id == project_id
    )
    return [tuple(row) for row in session.exec(query)]  # type: ignore[misc]
