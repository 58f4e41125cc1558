"""``duban selfcheck``: one project's standards, verdicts, acceptance outcome and grade, as of a day.

Reads the plan and figures, evaluates the project (the quiet verdicts included) and folds the
verdicts into :class:`domain.selfcheck.SelfCheck`. Read-only: nothing is recorded or sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.engine import session_scope
from db.facts_loader import load_projects
from db.plan import project_by_code
from db.rules import standards_of
from domain.errors import ConfigurationError
from domain.evaluation import Policy, evaluate_project
from domain.facts import ProjectFacts
from domain.selfcheck import GradeBand, SelfCheck, StandardPlan, self_check
from domain.workdays import WorkCalendar


def run_selfcheck(
    engine: Engine, *, project: str, as_of: date, calendar: WorkCalendar, policy: Policy
) -> SelfCheck:
    """The self-check of ``project`` as of ``as_of``; an unknown project is a ConfigurationError."""
    with session_scope(engine) as session:
        if project_by_code(session, code=project) is None:
            raise ConfigurationError(f"项目 {project} 不存在；请先用 duban import 导入它的方案文件")
        (facts,) = load_projects(session, [project])
        return selfcheck_of(session, facts, as_of=as_of, calendar=calendar, policy=policy)


def selfcheck_of(
    session: Session, facts: ProjectFacts, *, as_of: date, calendar: WorkCalendar, policy: Policy
) -> SelfCheck:
    """The self-check of a project whose facts are loaded: its plan's points, parts and grade bands
    are read here, and its quiet verdicts evaluated."""
    row = project_by_code(session, code=facts.code)
    assert row is not None and row.id is not None  # its facts were just loaded from it
    plan = {
        code: StandardPlan(code, requirement, points, part_of)
        for code, requirement, points, part_of in standards_of(session, project_id=row.id)
    }
    grades = [GradeBand(str(b["grade"]), float(str(b["min"]))) for b in row.grade_bands or []]
    findings = evaluate_project(facts, as_of, calendar, policy.for_project(facts.settings))
    return self_check(facts, findings, plan, grades, as_of)
