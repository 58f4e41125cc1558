"""Which project a row belongs to, so the web page can check a user's scope before it acts.

Every id that arrives in an address (an alert, an item, a submission, a person, an evidence file)
is traced back to its project code here; ``None`` means there is no such row.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from db.models import (
    Alert,
    CollectionAttempt,
    Indicator,
    ItemSubmission,
    Measurement,
    Person,
    Project,
    RectificationItem,
    ReportFiling,
)


def _code(session: Session, project_id: int | None) -> str | None:
    project = session.get(Project, project_id) if project_id is not None else None
    return project.code if project is not None else None


def project_of_alert(session: Session, *, alert_id: int) -> str | None:
    alert = session.get(Alert, alert_id)
    return _code(session, alert.project_id) if alert is not None else None


def project_of_item(session: Session, *, item_id: int) -> str | None:
    item = session.get(RectificationItem, item_id)
    return _code(session, item.project_id) if item is not None else None


def project_of_submission(session: Session, *, submission_id: int) -> str | None:
    submission = session.get(ItemSubmission, submission_id)
    return project_of_item(session, item_id=submission.item_id) if submission is not None else None


def project_of_person(session: Session, *, person_id: int) -> str | None:
    person = session.get(Person, person_id)
    return _code(session, person.project_id) if person is not None else None


def projects_of_evidence(session: Session, *, evidence_id: int) -> set[str]:
    """Every project the evidence file is behind: a figure, a collection attempt, a filing, a
    delivered indicator, an item or a submitted result. Empty when nothing points at it."""
    pointers: list[tuple[Any, Any, Any]] = [
        (CollectionAttempt.project_id, CollectionAttempt.evidence_id, None),
        (ReportFiling.project_id, ReportFiling.evidence_id, None),
        (Indicator.project_id, Indicator.done_evidence_id, None),
        (RectificationItem.project_id, RectificationItem.evidence_id, None),
        (Indicator.project_id, Measurement.evidence_id, col(Measurement.indicator_id) == col(Indicator.id)),
    ]
    project_ids: set[int] = set()
    for project_id, evidence, join in pointers:
        query = select(project_id).where(evidence == evidence_id)
        if join is not None:
            query = query.join_from(Measurement, Indicator, join)
        project_ids.update(session.exec(query).all())
    # Uploaded results keep their files as a JSON list of ids: read the few submissions there are.
    submitted = session.exec(select(ItemSubmission.item_id, ItemSubmission.evidence_ids)).all()
    item_ids = {item_id for item_id, ids in submitted if evidence_id in ids}
    if item_ids:
        items = select(RectificationItem.project_id).where(col(RectificationItem.id).in_(item_ids))
        project_ids.update(session.exec(items).all())
    if not project_ids:
        return set()
    return set(session.exec(select(Project.code).where(col(Project.id).in_(project_ids))).all())
