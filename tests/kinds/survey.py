"""A made-up finding kind, registered only in a scratch registry: a survey still short of answers.

With its partial (``findings/survey_due.j2`` beside this module) and one registry line, it is all
a new kind needs — see ``tests/test_finding_kinds.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from domain.findings import Finding


class SurveyKind(StrEnum):
    SURVEY_DUE = "survey_due"


@dataclass(frozen=True, kw_only=True)
class SurveyDue(Finding):
    kind: ClassVar[SurveyKind] = SurveyKind.SURVEY_DUE
    survey: str
    answered: int
    asked: int
