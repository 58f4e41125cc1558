"""The bureau's workbench on the page, over HTTP on 127.0.0.1: lists, downloads, channel test.

The examples (偏关, 闻喜, 昭化) after one cycle as of 2023-10-12 (tests/webkit.py), with 偏关's work
group robot pointed at a fake WeCom server on loopback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from openpyxl import load_workbook

from bot.demo.backend import running_backend
from bot.settings import Settings
from bot.web import routes
from bot.web.config import WebConfig
from bot.wiring import App
from db.engine import session_scope
from db.plan import items_of
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES
from tests.fakes.wecom_server import FakeWeCom, running
from tests.webkit import LEADER, county, csrf_of, logged_in, serving

ROBOT_KEY = "pianguan-robot-key"


@pytest.fixture
def world(tmp_path: Path, database: str | None) -> Iterator[tuple[App, FakeWeCom]]:
    with running(FakeWeCom(robot_keys={ROBOT_KEY})) as fake, running_backend() as backend:
        settings = Settings(data_dir=tmp_path / "data", database_url=database, wecom_api_base=fake.url)
        app = App.build(settings, {})
        app.init_database()
        import_files(app.engine, [EXAMPLES / "zhaohua.yaml"])
        county(app, backend)
        app.environ = {**app.environ, "DUBAN_WECOM_KEY_PIANGUAN": ROBOT_KEY}
        yield app, fake
        app.engine.dispose()


def served(app: App, as_of: date | None = None) -> Iterator[str]:
    web = WebConfig.from_app(app, as_of=as_of or date(2023, 10, 12))
    with serving(app, web) as base:
        yield base


@pytest.fixture
def site(world: tuple[App, FakeWeCom]) -> Iterator[str]:
    yield from served(world[0])


def labels(html: str) -> list[str]:
    """The entries' labels, in the order the page shows them."""
    return re.findall(r'<div class="work-head"><strong>([^<]+)</strong>', html)


def block(html: str, label: str) -> str:
    """The HTML of the entry with ``label``, up to the next entry."""
    return html.split(f"<strong>{label}</strong>", 1)[1].split('<div class="work', 1)[0]


def counts(html: str, code: str) -> dict[str, int]:
    """The overview's counts for one project: {kind: n} from its links."""
    found = re.findall(rf'href="/p/{code}/lists\?kind=(\w+)">[^<]*? (\d+) 项</a>', html)
    return {kind: int(n) for kind, n in found}


@pytest.mark.both_databases
def test_overview_counts_are_the_lists_counts_and_show_overdue_deliverables(
    world: tuple[App, FakeWeCom],
) -> None:
    # As of 2024-01-15 闻喜's 建设任务 due 2023-12-31 are overdue: the old overview said
    # "0 项整改逾期" because it counted rectification items only, from another source.
    for base in served(world[0], date(2024, 1, 15)):
        browser = logged_in(base)
        overview = browser.get(f"{base}/", timeout=10).text
        assert "项整改逾期" not in overview and "条提醒未解决" not in overview
        for code in ("pianguan", "wenxi", "zhaohua"):
            shown = counts(overview, code)
            assert set(shown) == {"overdue", "due_soon", "behind", "unreported"}
            for kind, n in shown.items():
                listed = browser.get(f"{base}/p/{code}/lists", params={"kind": kind}, timeout=10).text
                assert len(labels(listed)) == n, (code, kind)
                assert f"共 {n} 项" in listed
        assert counts(overview, "wenxi")["overdue"] >= 20
        overdue = browser.get(f"{base}/p/wenxi/lists", params={"kind": "overdue"}, timeout=10).text
        entry = overdue.split("<strong>S01 编制乡村e镇方案和发展规划</strong>", 1)[1].split(
            '<div class="work', 1
        )[0]
        assert "逾期 15 天（" in entry and "2023年12月31日（星期日）" in entry
        assert "责任单位：县工科局" in entry


@pytest.mark.both_databases
def test_a_province_overview_has_a_line_per_project_with_the_same_counts(
    world: tuple[App, FakeWeCom], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past :data:`routes.OVERVIEW_CARDS` projects (a province's 1,500) the overview lists each
    project on one line, linked to its page, with the counts its card would show and no bars."""
    for base in served(world[0], date(2024, 1, 15)):
        browser = logged_in(base)
        cards = browser.get(f"{base}/", timeout=10).text
        monkeypatch.setattr(routes, "OVERVIEW_CARDS", 2)  # the examples' 3 projects stand for many
        lines = browser.get(f"{base}/", timeout=10).text
    assert 'class="bar ' in cards and 'class="bar ' not in lines
    assert "3 个项目" in lines and 'class="project-rows"' in lines
    for code in ("pianguan", "wenxi", "zhaohua"):
        assert f'<a href="/p/{code}">' in lines
        assert counts(lines, code) == counts(cards, code) and sum(counts(lines, code).values()) > 0


def test_lists_follow_the_documents_numbering_and_name_units_persons_deadlines(site: str) -> None:
    browser = logged_in(site)
    page = browser.get(f"{site}/p/pianguan/lists", params={"kind": "due_soon"}, timeout=10).text
    shown = labels(page)
    items = [label for label in shown if label.startswith("问题")]
    # due on 10-15 (问题10, 11 and 13 later): 问题2 before 问题12, not 问题1, 问题12, 问题14 … 问题2
    assert items == [f"问题{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 16, 17)]
    first = block(page, "问题1")
    assert "实施方案未见向省、市商务局报备的印证材料。" in first
    assert "责任单位：偏关县工信局 · 责任人：高权 · 时限：2023年10月15日（星期日）" in first
    assert "剩 1 个工作日（3 天）" in first
    assert "待处理" in first  # the alert the cycle sent, not yet acknowledged


def test_zhaohua_lists_show_its_units_and_both_batches_in_order(world: tuple[App, FakeWeCom]) -> None:
    for base in served(world[0], date(2019, 11, 5)):
        page = logged_in(base).get(f"{base}/p/zhaohua/lists", params={"kind": "overdue"}, timeout=10).text
        assert labels(page) == ["复核组问题1", "复核组问题3", "评价组问题5"]
        assert (
            "责任单位：区商务和经济合作局、区工业园区管委会 · 责任人：— · 时限：2019年10月30日（星期三）"
            in page
        )
        assert "逾期 6 天（4 个工作日）" in page


@pytest.mark.both_databases
def test_filters_by_person_unit_and_state(site: str) -> None:
    browser = logged_in(site)
    every = labels(browser.get(f"{site}/p/pianguan/lists", timeout=10).text)
    by_wang = labels(browser.get(f"{site}/p/pianguan/lists", params={"person": "王雪"}, timeout=10).text)
    assert "问题1" in every and "问题1" not in by_wang and "问题2" in by_wang  # 问题1 is 高权's alone
    by_unit = browser.get(
        f"{site}/p/pianguan/lists", params={"unit": "山西乐村淘网络科技有限公司"}, timeout=10
    ).text
    assert "问题1" not in labels(by_unit) and "问题2" in labels(by_unit)
    assert "<option selected>山西乐村淘网络科技有限公司</option>" in by_unit  # the filter stays shown

    page = browser.get(f"{site}/p/pianguan", timeout=10).text
    alert_id = re.search(r'id="alert-(\d+)">\s*<div><strong>问题2</strong>', page)
    assert alert_id, "问题2 has an open alert after the cycle"
    answer = browser.post(
        f"{site}/alerts/{alert_id.group(1)}/ack",
        data={"csrf": csrf_of(page), "reason": "已安排"},
        timeout=10,
    )
    assert answer.ok
    acked = browser.get(f"{site}/p/pianguan/lists", params={"state": "acknowledged"}, timeout=10).text
    assert labels(acked) == ["问题2"]
    assert "已确认" in acked


def test_a_project_that_does_not_exist_is_a_chinese_404(site: str) -> None:
    browser = logged_in(site)
    for path in (
        "/p/nowhere/lists",
        "/p/nowhere/export/ledger",
        "/p/nowhere/channels",
        "/p/pianguan/export/pdf",
    ):
        answer = browser.get(f"{site}{path}", timeout=10)
        assert answer.status_code == 404 and "没有" in answer.text and "Traceback" not in answer.text


def test_the_ledger_downloads_from_the_page_with_its_chinese_name(
    site: str, world: tuple[App, FakeWeCom]
) -> None:
    answer = logged_in(site, LEADER).get(f"{site}/p/pianguan/export/ledger", timeout=10)  # leaders may
    assert answer.ok
    disposition = answer.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert quote("偏关县乡村e镇建设项目-整改台账-20231012.xlsx") in disposition
    sheet = load_workbook(BytesIO(answer.content)).active
    assert sheet is not None
    with session_scope(world[0].engine) as session:
        problems = [i.problem for i in items_of(session, code="pianguan")]
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)] == problems


def test_staff_test_a_channel_from_the_page(site: str, world: tuple[App, FakeWeCom]) -> None:
    _, fake = world
    browser = logged_in(site)
    page = browser.get(f"{site}/p/pianguan/channels", timeout=10).text
    assert "偏关县乡村e镇工作群" in page and "发送测试消息" in page
    answer = browser.post(
        f"{site}/p/pianguan/channels/pianguan-work/test", data={"csrf": csrf_of(page)}, timeout=20
    )
    assert answer.ok
    assert (
        "测试消息已发送到 偏关县乡村e镇工作群（pianguan-work，群机器人），共 1 条请求，对方已接受。"
        in answer.text
    )
    (sent,) = fake.robot_messages(ROBOT_KEY)
    assert "督办系统测试消息" in sent["markdown"]["content"]


def test_a_failed_channel_test_says_why_and_hides_the_key(site: str, world: tuple[App, FakeWeCom]) -> None:
    app, fake = world
    app.environ = {**app.environ, "DUBAN_WECOM_KEY_PIANGUAN": "stale-key-0042"}
    browser = logged_in(site)
    page = browser.get(f"{site}/p/pianguan/channels", timeout=10).text
    answer = browser.post(
        f"{site}/p/pianguan/channels/pianguan-work/test", data={"csrf": csrf_of(page)}, timeout=20
    )
    assert "测试消息没有发出去" in answer.text and "怎么办：" in answer.text
    assert "stale-key-0042" not in answer.text
    assert fake.robot_messages(ROBOT_KEY) == []


def test_leaders_and_forged_forms_cannot_send_a_test(site: str, world: tuple[App, FakeWeCom]) -> None:
    _, fake = world
    leader = logged_in(site, LEADER)
    page = leader.get(f"{site}/p/pianguan/channels", timeout=10).text
    assert "偏关县乡村e镇工作群" in page and "发送测试消息" not in page  # read-only: no button
    refused = leader.post(
        f"{site}/p/pianguan/channels/pianguan-work/test", data={"csrf": csrf_of(page)}, timeout=10
    )
    assert refused.status_code == 403 and "只读账号" in refused.text
    staff = logged_in(site)
    forged = staff.post(f"{site}/p/pianguan/channels/pianguan-work/test", data={"csrf": "guess"}, timeout=10)
    assert forged.status_code == 403
    other = staff.post(
        f"{site}/p/pianguan/channels/zhaohua-work/test",
        data={"csrf": csrf_of(staff.get(f"{site}/", timeout=10).text)},
        timeout=10,
    )
    assert other.status_code == 404  # another project's channel is not tested from this one
    assert fake.robot_messages(ROBOT_KEY) == []
    anonymous = requests.post(f"{site}/p/pianguan/channels/pianguan-work/test", timeout=10)
    assert anonymous.status_code == 403
