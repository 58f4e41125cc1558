"""What the messages say, sentence by sentence: no false claim, one close per message, one style.

Rendered from real findings of the examples (tests/scenario_world.py) or built by hand where a
single rule is checked.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jobs.import_plans import import_files
from notifiers.render import amount, cn_month
from tests.scenario_world import EXAMPLES, days, make_app, run_day, sent_by


def _pianguan_without_leaders(tmp_path: Path) -> Path:
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: pianguan-leaders")
    end = text.index("rectification:")
    path = tmp_path / "pianguan.yaml"
    path.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    return path


def test_no_leadership_channel_means_no_word_of_reporting_to_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_files(app.engine, [_pianguan_without_leaders(tmp_path)])
    bodies = {}
    for day in days(date(2023, 10, 6), date(2023, 10, 18)):
        for sent in sent_by(run_day(app, day, "pianguan")):
            bodies[(day, sent.channel)] = sent.body
    escalated = bodies[(date(2023, 10, 18), "pianguan-work")]
    assert "逾期 3 天" in escalated  # the escalation day's digest went out ...
    assert not any("领导小组" in body for body in bodies.values())  # ... claiming no report


def test_a_weekend_deadline_is_not_due_today_on_friday(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    friday = ""
    for day in days(date(2023, 10, 6), date(2023, 10, 13)):
        for sent in sent_by(run_day(app, day, "pianguan")):
            friday = sent.body if day == date(2023, 10, 13) else friday
    assert "今日到期" not in friday and "今天到期 " not in friday
    assert "**【紧急】到期前最后一个工作日 14 项**" in friday
    assert "时限为 2023年10月15日（星期日），今天是到期前最后一个工作日" in friday
    assert "以下整改事项的时限" in friday and "以下 1 项" not in friday  # 高权's single item
    assert "时限逢休息日、今天是最后一个工作日的事项，请责任人今天完成" in friday
    assert "临近时限的事项" in friday
    assert "已逾期" not in friday
    # 问题6 is long: shortened at a clause end; without DUBAN_PUBLIC_URL there is no link to give
    assert "尚未对接阿里巴巴、抖音等电商平台……" in friday and "全文" not in friday


def test_a_shortened_item_links_to_its_project_page_when_the_address_is_known(tmp_path: Path) -> None:
    app = make_app(tmp_path, public_url="https://duban.example.gov.cn")
    import_files(app.engine, [EXAMPLES / "pianguan.yaml"])
    (sent,) = sent_by(run_day(app, date(2023, 10, 12), "pianguan"))  # the plan was issued on 10-12
    line = next(x for x in sent.body.splitlines() if "问题6：" in x)
    assert line.endswith("电商平台……（全文：https://duban.example.gov.cn/p/pianguan）")
    assert "（全文：" not in next(x for x in sent.body.splitlines() if "问题5：" in x)  # short: whole


def test_figures_are_as_precise_as_written_with_thousands_separators() -> None:
    assert amount(33377.78) == "33,377.78"
    assert amount(199.88) == "199.88"
    assert amount(3000.0) == "3,000"
    assert amount(2.5) == "2.5"
    assert amount(12345.6666667) == "12,345.67"


def test_one_month_style() -> None:
    assert cn_month("2023-06") == "2023年6月"
    assert cn_month(9, 2023) == "2023年9月"


def test_a_wecom_leadership_group_gets_the_report_in_markdown(tmp_path: Path) -> None:
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8")
    email = "    kind: email\n    name: 偏关县乡村e镇工作领导小组\n"
    assert email in text
    robot = "    kind: wecom_robot\n    name: 偏关县乡村e镇工作领导小组\n"
    key = "      webhook_key: ${DUBAN_WECOM_KEY_LEADERS}\n"
    text = text.replace(email, robot).replace("      to_name: 偏关县乡村e镇工作领导小组\n", key)
    path = tmp_path / "pianguan.yaml"
    path.write_text(text, encoding="utf-8")
    app = make_app(tmp_path)
    import_files(app.engine, [path])
    report = ""
    for day in days(date(2023, 10, 6), date(2023, 10, 18)):
        for sent in sent_by(run_day(app, day, "pianguan")):
            report = sent.body if sent.channel == "pianguan-leaders" else report
    assert report.startswith("## 偏关县乡村e镇建设项目 · 逾期事项上报\n")
    assert "**一、偏关县工信局（1 项）**" in report and "**请领导小组：**" in report
    assert "已在工作群提醒 3 次：10月12日（还剩1个工作日）" in report  # issued 10-12: none before
