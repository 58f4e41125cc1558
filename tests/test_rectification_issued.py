"""A rectification plan's issue date (``rectification.issued``): no reminder before it.

偏关's plan (偏政发〔2023〕18号) was issued on 2023-10-12, yet its 5- and 3-working-day reminders
for the 10-15 deadline used to go out on 10-08 and 10-10. Now nothing goes out before 10-12, and
the first run on it tells, in one digest per group, everything already due.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from collectors.plan.loader import load_plan_file
from domain.enums import ItemStatus
from domain.evaluation import Policy, evaluate
from domain.facts import ItemFacts, ProjectFacts
from domain.workdays import WorkCalendar
from jobs.import_plans import import_files
from tests.scenario_world import EXAMPLES, days, item_number, make_app, run_day, sent_by

ISSUED = date(2023, 10, 12)


def test_the_pianguan_example_carries_the_notices_date() -> None:
    plan = load_plan_file(EXAMPLES / "pianguan.yaml")
    assert plan.rectification is not None and plan.rectification.issued == ISSUED
    assert plan.format_version == 2


def test_no_item_is_reminded_before_the_plan_is_issued() -> None:
    item = ItemFacts("p", "", "1", "问题", ("高权",), (), date(2023, 10, 15), "2023年10月15日", False,
                     ItemStatus.OPEN)  # fmt: skip
    project = ProjectFacts("p", "偏关", None, None, items=(item,), rectification_issued=ISSUED)
    cal, policy = WorkCalendar(), Policy()
    assert evaluate([project], date(2023, 10, 8), cal, policy) == []
    assert evaluate([project], date(2023, 10, 11), cal, policy) == []
    (f,) = evaluate([project], ISSUED, cal, policy)
    assert f.stage == "remind-1"
    (f,) = evaluate([ProjectFacts("p", "偏关", None, None, items=(item,))], date(2023, 10, 8), cal, policy)
    assert f.stage == "remind-5"  # without an issue date, as before


def run(tmp_path: Path, plan: Path, last: date) -> dict[date, dict[str, set[str]]]:
    """Per day and channel, the items told (``13@remind-3``) and the targets (``P05@remind-1``)."""
    app = make_app(tmp_path)
    import_files(app.engine, [plan])
    sent: dict[date, dict[str, set[str]]] = {}
    for day in days(date(2023, 9, 25), last):
        for digest in sent_by(run_day(app, day, "pianguan")):
            sent.setdefault(day, {})[digest.channel] = {
                item_number(k) if "/item/" in k else f"{k.split('/')[2]}@{k.split('@')[1]}"
                for k in digest.told
            }
    return sent


def test_the_first_run_after_the_issue_date_sends_one_digest_of_what_is_due(tmp_path: Path) -> None:
    sent = run(tmp_path, EXAMPLES / "pianguan.yaml", ISSUED)
    assert list(sent) == [ISSUED]
    (told,) = sent[ISSUED].values()  # one digest, to the working group
    assert all(t.endswith("@remind-1") for t in told)
    assert len([t for t in told if not t.startswith("P")]) == 14  # the items due on the 15th
    assert {t for t in told if t.startswith("P")} == {"P04@remind-1", "P05@remind-1", "P08@remind-1"}


def test_without_the_issue_date_the_reminders_start_on_the_make_up_working_day(tmp_path: Path) -> None:
    """The old behaviour, for contrast: 10-08 is a Sunday but a make-up working day (调休)."""
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8").replace("  issued: 2023-10-12\n", "")
    plan = tmp_path / "pianguan.yaml"
    plan.write_text(text, encoding="utf-8")
    sent = run(tmp_path, plan, date(2023, 10, 10))
    assert list(sent) == [date(2023, 10, 8), date(2023, 10, 10)]
    assert "P05@remind-5" in sent[date(2023, 10, 8)]["pianguan-work"]  # the targets with them
