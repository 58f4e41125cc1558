"""The leaders' summary: figures against target and pace, items, and its chart."""

from __future__ import annotations

import os
from datetime import date

import pytest

from domain.enums import Binding, Comparator, IndicatorKind, ItemStatus, PeriodKind
from domain.facts import IndicatorFacts, ItemFacts, MonthValue, ProjectFacts
from notifiers import chart
from notifiers.render import render_template
from notifiers.summary import build_summary

PNG = b"\x89PNG\r\n\x1a\n"


def indicator(code: str, name: str, target: float, values: list[tuple[str, float]]) -> IndicatorFacts:
    return IndicatorFacts(
        project="wenxi",
        code=code,
        name=name,
        kind=IndicatorKind.NUMERIC,
        binding=Binding.BINDING,
        unit="万元",
        comparator=Comparator.GE,
        target=target,
        target_high=None,
        period=PeriodKind.PER_YEAR,
        values=tuple(MonthValue(m, v, cumulative=True) for m, v in values),
    )


def item(number: str, deadline: date, status: ItemStatus = ItemStatus.OPEN) -> ItemFacts:
    return ItemFacts(
        "wenxi", "", number, "未提供佐证材料", ("杨双旭",), ("县工科局",), deadline, None, False, status
    )


PROJECT = ProjectFacts(
    code="wenxi",
    name="闻喜县桐城e镇项目",
    plan_start=None,
    plan_end=None,
    indicators=(
        indicator("S36", "网络零售额", 3000, [("2023-08", 1500), ("2023-09", 1808.6)]),
        indicator("S37", "农产品网络零售额", 800, [("2023-09", 700)]),
        indicator("S38", "本月才有的数", 100, [("2023-10", 90)]),  # October is not over on Oct 12
    ),
    items=(
        item("1", date(2023, 10, 10)),
        item("2", date(2023, 10, 20)),
        item("3", date(2023, 9, 1), ItemStatus.CLOSED),
    ),
)


def test_figures_are_compared_with_target_and_pace() -> None:
    summary = build_summary(PROJECT, date(2023, 10, 12), "month")
    s36, s37 = summary.figures
    assert (s36.code, s36.month, round(s36.completion, 1), s36.pace) == ("S36", 9, 60.3, 75.0)
    assert s36.behind and not s37.behind
    assert summary.behind == 1
    assert [d.label for d in summary.overdue] == ["问题1"]
    assert [d.label for d in summary.due_soon] == ["问题2"]
    assert (summary.items_total, summary.items_closed) == (3, 1)
    assert summary.period_label == "2023年10月"
    assert build_summary(PROJECT, date(2023, 10, 12), "week").period_label == "2023年第41周"


def test_the_message_says_what_how_far_and_who() -> None:
    text = render_template("summary.md.j2", s=build_summary(PROJECT, date(2023, 10, 12), "week"))
    assert "S36 网络零售额：1,808.6 / 3,000 万元，完成 60.3%（序时 75.0%），落后" in text
    assert "问题1（2023年10月10日（星期二）到期）责任人：杨双旭" in text
    assert len(text.encode()) < 4096


def test_the_chart_is_a_png() -> None:
    png = chart.progress_chart("闻喜县 关键指标", build_summary(PROJECT, date(2023, 10, 12), "month").bars())
    assert png.startswith(PNG) and 5_000 < len(png) < 500_000


def test_without_a_chinese_font_the_chart_still_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine without a CJK font cannot be made here on purpose; pretend the lookup found none.
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    png = chart.progress_chart("闻喜县", build_summary(PROJECT, date(2023, 10, 12), "month").bars())
    assert png.startswith(PNG)


def test_a_chinese_font_installed_after_matplotlib_listed_its_fonts_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """matplotlib caches its list of fonts at its first run; the font the warning tells people to
    install afterwards must still be used. Needs Debian's fonts-wqy-microhei (.ci/run installs it)."""
    from matplotlib import font_manager

    if not any("wqy" in path for path in font_manager.findSystemFonts()):
        reason = "fonts-wqy-microhei is not installed (apt-get install fonts-wqy-microhei)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    stale = [f for f in font_manager.fontManager.ttflist if "WenQuanYi" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)  # the list from before it came
    chart.cjk_font.cache_clear()
    try:
        assert chart.cjk_font() == "WenQuanYi Micro Hei"
    finally:
        chart.cjk_font.cache_clear()
