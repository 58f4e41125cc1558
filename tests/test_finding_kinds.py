"""The finding-kind registry: every kind has a class, a label and a partial; a new kind is one
module plus one registry line (plus its partial), shown with a made-up kind in a scratch registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain import keys
from domain.enums import Binding, Comparator, FindingKind, Severity
from domain.findings import KINDS, DeliverableDue, ImplausibleJump, Jump, KindRegistry, RatioBelow
from domain.keys import Question
from notifiers.digest import build_digest
from notifiers.render import TEMPLATES, render_digest, sentence
from tests.kinds.survey import SurveyDue

AS_OF = date(2023, 10, 16)
PARTIALS = Path(__file__).resolve().parent / "kinds"


def survey() -> SurveyDue:
    return SurveyDue(
        key=keys.item("p", "", "7").key(Question.DEADLINE, "2023-10-20"),
        project="p",
        subject="问卷7",
        stage=keys.remind(3),
        severity=Severity.WARNING,
        persons=("王雪",),
        due=date(2023, 10, 20),
        workdays_left=3,
        survey="电商从业人员问卷",
        answered=12,
        asked=40,
    )


def deliverable() -> DeliverableDue:
    return DeliverableDue(
        key=keys.indicator("p", "S40").key(Question.DELIVERABLE, date(2023, 10, 20)),
        project="p",
        subject="S40 制定资金奖励办法",
        stage=keys.remind(3),
        severity=Severity.WARNING,
        persons=("高权",),
        due=date(2023, 10, 20),
        workdays_left=3,
        binding=Binding.BINDING,
        overdue_workdays=0,
    )


def test_a_new_kind_is_one_module_and_one_registry_line() -> None:
    kinds = KINDS.copy()
    kinds.add(SurveyDue, "问卷回收提醒", "survey_due")  # the one line
    digest = build_digest("测试县", "工作群", AS_OF, [survey(), deliverable()], kinds=kinds)
    assert [s.label for s in digest.sections] == ["建设任务临近时限", "问卷回收提醒"]  # after the built-ins
    line = "问卷7：电商从业人员问卷已回收 12/40 份，请于 2023年10月20日（星期五） 前收齐。责任人：王雪。"
    markdown = render_digest(digest, kinds=kinds, partials=[PARTIALS])
    assert "**【提醒】问卷回收提醒 1 项**" in markdown and f"- {line}" in markdown
    assert "1. S40 制定资金奖励办法（约束性）" in markdown  # the built-in kinds still say themselves
    assert f"<li>{line}</li>" in render_digest(digest, html=True, kinds=kinds, partials=[PARTIALS])
    assert f"- {line}" in render_digest(digest, text=True, kinds=kinds, partials=[PARTIALS])
    assert survey().detail() == {"survey": "电商从业人员问卷", "answered": 12, "asked": 40}
    with pytest.raises(KeyError, match="SurveyDue is not registered"):
        KINDS.entry(SurveyDue)  # the product's registry is untouched


def test_a_class_is_registered_once_and_a_kind_has_one_label() -> None:
    kinds = KindRegistry()
    kinds.add(SurveyDue, "问卷回收提醒", "survey_due")
    with pytest.raises(ValueError, match="registered twice"):
        kinds.add(SurveyDue, "问卷回收提醒", "survey_due")
    with pytest.raises(ValueError, match="two labels"):
        kinds.add(SurveyLate, "别的说法", "survey_due")  # another class of the same kind


class SurveyLate(SurveyDue):
    """Another class of the ``survey_due`` kind."""


def test_every_kind_has_a_class_a_label_and_a_partial() -> None:
    registered = {entry.cls.kind for entry in KINDS}
    assert registered == set(FindingKind)
    for entry in KINDS:
        assert (TEMPLATES / "findings" / f"{entry.partial}.j2").is_file(), entry
        assert entry.label == KINDS.label(entry.cls.kind)


def test_detail_is_the_kinds_own_fields_as_plain_json() -> None:
    jump = ImplausibleJump(
        key=keys.indicator("p", "S36", "东镇").key(Question.JUMP),
        project="p",
        subject="S36 网络零售额（东镇）",
        stage=keys.found("2023-08"),
        severity=Severity.WARNING,
        jumps=(Jump(month="2023-08", before=100.0, amount=900.0, ratio=9.0),),
        unit="万元",
        factor=5.0,
    )
    assert jump.key == "p/indicator/S36/town/东镇/jump"
    assert jump.detail() == {
        "jumps": [{"month": "2023-08", "before": 100.0, "amount": 900.0, "ratio": 9.0}],
        "unit": "万元",
        "factor": 5.0,
    }
    assert sentence(jump).startswith("S36 网络零售额（东镇）：2023年8月为 900 万元，是上月 100 万元的 9.0 倍")
    by_date = RatioBelow(
        key=keys.indicator("p", "S07").key(Question.RATIO, date(2023, 12, 31)),
        project="p",
        subject="S07 资金拨付率",
        stage=keys.remind(5),
        severity=Severity.WARNING,
        value=None,
        target=70.0,
        month=None,
        binding=Binding.EXPECTED,
        comparator=Comparator.GE,
        sources=(),
    )
    assert list(by_date.detail()) == ["value", "target", "month", "binding", "comparator", "sources", "scope"]
    detail = by_date.detail()  # an enum is a str too, yet --json gives its value, a plain str
    assert (detail["binding"], detail["comparator"]) == ("expected", "ge")
    assert type(detail["binding"]) is str and type(detail["comparator"]) is str
