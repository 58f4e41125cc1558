"""The messages of the five examples at fixed dates, rendered in full, for the golden tests.

Each scenario replays its example day by day (as the scheduler would), closes items where the
story says so, and keeps every message queued on the chosen dates: subject, body and, for
email, the plain-text alternative. ``tests/test_golden_messages.py`` compares them with the files
under ``tests/golden/``; ``DUBAN_GOLDEN_UPDATE=1`` writes them anew (then read every one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from domain.workdays import OFFICE_TZ
from jobs.manual import close_item
from tests.scenario_world import days, import_example, make_app, run_day

GOLDEN = Path(__file__).resolve().parent / "golden"
PUBLIC_URL = "https://duban.example.gov.cn"


@dataclass(frozen=True)
class Scenario:
    example: str
    first: date
    last: date
    keep: frozenset[date]  # the days whose messages are kept
    closings: tuple[tuple[date, str, str], ...] = ()  # (day, batch, number) closed before the run
    figures: tuple[tuple[date, str, str, float], ...] = ()  # (entered before day, code, month, value)
    files: tuple[str, ...] = ()  # the plan files to import (default: <example>.yaml)
    project: str = ""  # the project whose messages are kept (default: the example's name)

    @property
    def code(self) -> str:
        return self.project or self.example


S36 = [250, 250, 150, 150, 200, 400, 450, 250, 250, 250, 250, 250]  # tests/test_scenario_wenxi.py
S33 = [1000] * 12


def _wenxi_figures() -> tuple[tuple[date, str, str, float], ...]:
    out = []
    for month in range(1, 13):
        entered = date(2023 + month // 12, month % 12 + 1, 10)
        out.append((entered, "S36", f"2023-{month:02d}", float(S36[month - 1])))
        out.append((entered, "S33", f"2023-{month:02d}", float(S33[month - 1]) + 0.78 * (month == 6)))
    return tuple(out)


SCENARIOS = {
    "pianguan": Scenario(
        "pianguan",
        date(2023, 10, 6),
        date(2023, 10, 19),
        frozenset({date(2023, 10, 8), date(2023, 10, 13), date(2023, 10, 16), date(2023, 10, 18)}),
        closings=((date(2023, 10, 18), "", "13"),),
    ),
    "zhaohua": Scenario(
        "zhaohua",
        date(2019, 10, 21),
        date(2019, 11, 5),
        frozenset(
            {date(2019, 10, 23), date(2019, 10, 30), date(2019, 11, 1), date(2019, 11, 4), date(2019, 11, 5)}
        ),
        closings=((date(2019, 11, 5), "复核组", "1"),),
    ),
    "wenxi": Scenario(
        "wenxi",
        date(2023, 12, 21),
        date(2024, 1, 4),
        frozenset({date(2023, 12, 21), date(2023, 12, 29), date(2024, 1, 2), date(2024, 1, 4)}),
        figures=_wenxi_figures(),
    ),
    # 沁县: the first month's progress report (Q43, June 2022, due 5 days after the month).
    "qinxian": Scenario(
        "qinxian",
        date(2022, 6, 27),
        date(2022, 7, 8),
        frozenset({date(2022, 6, 28), date(2022, 7, 1), date(2022, 7, 5), date(2022, 7, 8)}),
    ),
    # 祁阳县, a 2016 示范县 under 湖南's notice: payout ≥ 70 % by 2018-12-31, 12-29 a make-up workday.
    "hunan": Scenario(
        "hunan",
        date(2018, 12, 21),
        date(2019, 1, 4),
        frozenset(
            {date(2018, 12, 24), date(2018, 12, 28), date(2018, 12, 29), date(2019, 1, 2), date(2019, 1, 4)}
        ),
        files=("hunan.yaml", "hunan-qiyang.yaml"),
        project="qiyang",
    ),
}


@dataclass(frozen=True)
class Rendered:
    name: str  # the golden file's name: <example>/<date>-<channel>-<n>.txt
    text: str


def render_scenario(scenario: Scenario, tmp_path: Path) -> Iterator[Rendered]:
    """Replay ``scenario`` and yield each kept message as one text file."""
    from tests.test_scenario_wenxi import enter  # the wenxi figures are entered as there

    app = make_app(tmp_path, public_url=PUBLIC_URL)
    import_example(app, *(scenario.files or (f"{scenario.example}.yaml",)))
    entered = set()
    for day in days(scenario.first, scenario.last):
        for n, (before, code, month, value) in enumerate(scenario.figures):
            if before <= day and n not in entered:
                enter(app, code, month, value)
                entered.add(n)
        for when, batch, number in scenario.closings:
            if when == day:
                at = datetime.combine(day, time(8), tzinfo=OFFICE_TZ)
                close_item(
                    app, project=scenario.code, batch=batch, number=number, result="已整改到位",
                    evidence=None, now=at,
                )  # fmt: skip
        result = run_day(app, day, scenario.code)
        if day not in scenario.keep:
            continue
        counts: dict[str, int] = {}
        for delivery in result.queued:
            n = counts[delivery.channel_code] = counts.get(delivery.channel_code, 0) + 1
            parts = [f"主题：{delivery.subject}", "", delivery.body.rstrip("\n")]
            if delivery.text_body:
                parts += ["", "----- 纯文本 -----", delivery.text_body.rstrip("\n")]
            name = f"{scenario.example}/{day}-{delivery.channel_code}-{n}.txt"
            yield Rendered(name, "\n".join(parts) + "\n")
    app.engine.dispose()
