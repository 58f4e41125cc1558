"""The indicator page and the hand entry of a figure, over HTTP on 127.0.0.1.

闻喜 after one cycle as of 2023-10-12 (tests/webkit.py): S36 网络零售额 has nine months collected
from its backend, each with its evidence, against a yearly target of 3000 万元.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from bot.wiring import App
from db.engine import session_scope
from db.models import Evidence, Measurement
from domain.enums import Origin
from jobs.manual import record_figure
from tests.fakes.wecom_server import FakeWeCom
from tests.test_web_workbench import served, world  # noqa: F401  (the world fixture)
from tests.webkit import LEADER, csrf_of, logged_in

PAGE = "/p/wenxi/indicators/S36"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # an accepted kind, judged by its first bytes


@pytest.fixture
def site(world: tuple[App, FakeWeCom]) -> Iterator[str]:  # noqa: F811
    yield from served(world[0])


def figures(app: App) -> list[Measurement]:
    with session_scope(app.engine) as session:
        return list(session.exec(select(Measurement).order_by(Measurement.id)).all())  # type: ignore[arg-type]


def months_table(html: str) -> str:
    return html.split('id="months"', 1)[1].split("</section>", 1)[0]


def row_of(html: str, month: str) -> str:
    """The month's row and the row of its revisions below it, up to the next month."""
    return months_table(html).split(f"<tr><td>{month}</td>", 1)[1].split("<tr><td>", 1)[0]


def enter(
    browser: requests.Session, base: str, *, value: str, month: str, file: tuple[str, bytes] | None
) -> requests.Response:
    """Post the hand entry form as the page gives it (with its CSRF token)."""
    page = browser.get(f"{base}{PAGE}", timeout=10).text
    return browser.post(
        f"{base}{PAGE}/record",
        data={"csrf": csrf_of(page), "value": value, "month": month},
        files={"evidence": file or ("", b"")},
        timeout=30,
    )


def test_the_page_shows_the_series_target_pace_verdict_and_evidence(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    browser = logged_in(site)
    project = browser.get(f"{site}/p/wenxi", timeout=10).text
    assert f'href="{PAGE}"' in project  # the project page's row links to it
    page = browser.get(f"{site}{PAGE}", timeout=10).text
    assert "S36 网络零售额" in page and "约束性" in page
    # The verdict and the bar are the project page's own, from the same evaluation.
    verdict = re.search(r'<span class="verdict">([^<]+)</span>', page)
    assert (
        verdict
        and f'<span class="verdict">{verdict.group(1)}</span>' in project.split("S36 网络零售额", 1)[1]
    )
    # The chart: the running total, the target level, the pace line from 0 to the target.
    svg = page.split("<svg", 2)[2].split("</svg>", 1)[0]  # the first <svg> is the bar
    assert 'class="series"' in svg and 'class="target"' in svg and 'class="pace-line"' in svg
    assert "年度目标 3,000 万元" in svg
    assert svg.count("<circle") == 9  # one point per month collected, January … September
    assert "2023年9月累计" in svg
    # The months, newest first, each with its source and evidence.
    with session_scope(world[0].engine) as session:
        september = session.exec(select(Measurement).where(Measurement.month == "2023-09")).one()
    assert months_table(page).index("<td>2023-09</td>") < months_table(page).index("<td>2023-01</td>")
    row = row_of(page, "2023-09")
    assert f"{september.value:g}" in row and "自动采集" in row and "wenxi-backend" in row
    assert f'href="/evidence/{september.evidence_id}"' in row
    # Staff get the hand entry form; leaders read the same page without it.
    assert 'action="/p/wenxi/indicators/S36/record"' in page
    leader = logged_in(site, LEADER).get(f"{site}{PAGE}", timeout=10).text
    assert "S36 网络零售额" in leader and "/record" not in leader


def test_a_revision_shows_the_new_value_and_the_old_one_struck_through(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
    tmp_path: Path,
) -> None:
    app = world[0]
    proof = tmp_path / "统计报表.pdf"
    proof.write_bytes(b"%PDF-1.4 revised figure")
    before = next(m for m in figures(app) if m.month == "2023-09")
    record_figure(
        app,
        project="wenxi",
        indicator="S36",
        month="2023-09",
        value=before.value + 12.5,
        unit=None,
        cumulative=False,
        evidence=proof,
        note="统计局核定",
        now=datetime(2023, 10, 12, 2, tzinfo=UTC),
    )
    row = row_of(logged_in(site).get(f"{site}{PAGE}", timeout=10).text, "2023-09")
    assert f"<strong>{before.value + 12.5:g}</strong>" in row
    assert "<del" in row and f"{before.value:g}</del>" in row
    assert "手工录入" in row and "统计局核定" in row
    latest = next(m for m in figures(app) if m.month == "2023-09" and m.revision == 2)
    assert f'href="/evidence/{latest.evidence_id}"' in row
    assert f'href="/evidence/{before.evidence_id}"' in row  # the earlier evidence stays reachable


def test_staff_enter_a_figure_with_evidence_as_a_hand_entry(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    app, browser = world[0], logged_in(site)
    page = enter(browser, site, value="1,234.5", month="2023-10", file=("后台截图.png", PNG)).text
    assert "已录入 2023-10：1234.5 万元" in page
    row = figures(app)[-1]
    assert (row.month, row.value, row.origin, row.revision) == ("2023-10", 1234.5, Origin.MANUAL, 1)
    assert row.note and "张科长" in row.note
    with session_scope(app.engine) as session:
        evidence = session.get(Evidence, row.evidence_id)
    assert evidence is not None and evidence.origin == "上传：后台截图.png"
    assert (app.settings.evidence_dir / evidence.path).read_bytes() == PNG
    shown = row_of(page, "2023-10")
    assert "1,234.5" in shown and "手工录入" in shown and f'href="/evidence/{row.evidence_id}"' in shown
    download = browser.get(f"{site}/evidence/{row.evidence_id}", timeout=10)
    assert download.content == PNG


BIG = ("big.png", PNG + b"\x00" * (20 * 1024 * 1024))  # one byte past the default 20 MB with PNG's head


@pytest.mark.parametrize(
    ("value", "month", "file", "message"),
    [
        ("十二万", "2023-10", ("a.png", PNG), "数值“十二万”不是数字"),
        ("", "2023-10", ("a.png", PNG), "请填写数值"),
        ("100", "2023-11", ("a.png", PNG), "月份 2023-11 还没有到（按 2023-10-12 计算）"),
        ("100", "2023-13", ("a.png", PNG), "月份“2023-13”应写成 YYYY-MM"),
        ("100", "2023-10", ("报表.exe", b"MZ\x90\x00 not a picture"), "文件“报表.exe”不是照片"),
        ("100", "2023-10", None, "请附上佐证材料"),
        ("100", "2023-10", BIG, "文件“big.png”：文件太大"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
    value: str,
    month: str,
    file: tuple[str, bytes] | None,
    message: str,
) -> None:
    app = world[0]
    before = len(figures(app))
    answer = enter(logged_in(site), site, value=value, month=month, file=file)
    assert (
        answer.ok and "未录入：" in answer.text and message in answer.text and "Traceback" not in answer.text
    )
    assert len(figures(app)) == before


def test_leaders_and_forged_forms_cannot_enter_figures(
    site: str,
    world: tuple[App, FakeWeCom],  # noqa: F811
) -> None:
    app = world[0]
    before = len(figures(app))
    answer = enter(logged_in(site, LEADER), site, value="100", month="2023-10", file=("a.png", PNG))
    assert answer.status_code == 403 and "只读账号" in answer.text
    forged = logged_in(site).post(
        f"{site}{PAGE}/record", data={"csrf": "x", "value": "100", "month": "2023-10"}, timeout=10
    )
    assert forged.status_code == 403
    assert len(figures(app)) == before


def test_an_unknown_indicator_is_a_chinese_404(site: str) -> None:
    answer = logged_in(site).get(f"{site}/p/wenxi/indicators/NOPE", timeout=10)
    assert answer.status_code == 404 and "没有这个指标" in answer.text
