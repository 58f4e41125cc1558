"""The project page's 静默 section and 撤销确认, over HTTP on 127.0.0.1 (tests/webkit.py's county:
偏关 and 闻喜 after a cycle as of 2023-10-12, when 偏关's items due 10-15 are three working days off)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from bot.wiring import App
from db.models import Alert, AlertEvent, Silence
from domain.enums import AlertState
from domain.workdays import OFFICE_TZ
from tests.test_web_alert_actions import site  # noqa: F401  (the site fixture)
from tests.webkit import LEADER, STAFF, csrf_of, logged_in


def section(html: str) -> str:
    return html.split('id="silences"', 1)[1].split("</section>", 1)[0]


def open_count(app: App, person: str) -> int:
    """偏关's open alerts that name ``person``, counted here from the rows."""
    with Session(app.engine) as session:
        rows = session.exec(select(Alert).where(Alert.state != AlertState.RESOLVED)).all()
    return sum(
        1 for a in rows if a.key.startswith("pianguan/") and person in (a.payload.get("persons") or [])
    )


def test_a_silence_made_on_the_page_is_listed_with_its_count_and_ended_early(site: tuple[App, str]) -> None:  # noqa: F811
    app, base = site
    staff = logged_in(base)
    page = staff.get(f"{base}/p/pianguan", timeout=10).text
    form = section(page)
    assert "<option>王雪</option>" in form and "<option>偏关县工信局</option>" in form
    assert '<option value="deadline_approaching">整改时限临近</option>' in form
    token = csrf_of(page)

    preview = staff.post(
        f"{base}/p/pianguan/silences/preview",
        data={"csrf": token, "unit": "", "person": "王雪", "kind": ""},
        timeout=10,
    )
    assert "person=%E7%8E%8B%E9%9B%AA" in preview.url and "csrf" not in preview.url  # no token in the address
    expected = open_count(app, "王雪")
    assert expected > 0
    assert f"目前涉及 <strong>{expected}</strong> 条未解决的提醒" in section(preview.text)
    assert "<option selected>王雪</option>" in section(preview.text)

    made = staff.post(
        f"{base}/p/pianguan/silences",
        data={
            "csrf": token, "person": "王雪", "unit": "", "kind": "",
            "until_day": "2023-10-20", "until_time": "18:30", "reason": "出差一周",
        },
        timeout=10,
    )  # fmt: skip
    assert made.ok and f"已新建静默（编号 1），至 2023-10-20 18:30，目前涉及 {expected} 条提醒" in made.text
    listed = section(made.text)
    assert "责任人 王雪" in listed and "2023-10-20 18:30" in listed and f"{expected} 条" in listed
    assert "生效中" in listed and STAFF[2] in listed and "出差一周" in listed
    assert made.text.count("，静默中（至 2023-10-20 18:30）") == expected  # each muted alert says so
    work = staff.get(f"{base}/p/pianguan/lists", params={"person": "王雪"}, timeout=10).text
    muted = work.count('<span class="state">静默中</span>')
    assert muted and muted == work.count('<div class="work-head">')  # the work list says so too

    ended = staff.post(f"{base}/silences/1/expire", data={"csrf": token}, timeout=10)
    assert ended.ok and "已提前结束静默（编号 1）" in ended.text
    assert "已提前结束" in section(ended.text) and "静默中（至" not in ended.text
    work = staff.get(f"{base}/p/pianguan/lists", params={"person": "王雪"}, timeout=10).text
    assert '<span class="state">静默中</span>' not in work
    with Session(app.engine) as session:
        row = session.exec(select(Silence)).one()
    assert (row.person, row.reason, row.created_by, row.expired_by) == (
        "王雪",
        "出差一周",
        STAFF[2],
        STAFF[2],
    )
    assert f"{row.ends_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}" == "2023-10-20 18:30"


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"reason": ""}, "请写明静默的原因"),
        ({"until_day": ""}, "请选择静默截止日期"),
        ({"until_day": "2023-10-01"}, "已过，请给出将来的时间"),
        ({"unit": "商务局"}, "没有责任单位“商务局”"),
    ],
)
def test_a_bad_silence_form_says_why_and_makes_nothing(
    site: tuple[App, str],  # noqa: F811
    form: dict[str, str],
    says: str,
) -> None:
    app, base = site
    staff = logged_in(base)
    token = csrf_of(staff.get(f"{base}/p/pianguan", timeout=10).text)
    data = {"csrf": token, "until_day": "2023-10-20", "until_time": "18:00", "reason": "出差", **form}
    answer = staff.post(f"{base}/p/pianguan/silences", data=data, timeout=10)
    assert answer.ok and says in answer.text
    with Session(app.engine) as session:
        assert not session.exec(select(Silence)).all()


def test_without_the_token_or_as_a_leader_nothing_is_silenced_or_undone(site: tuple[App, str]) -> None:  # noqa: F811
    app, base = site
    staff, leader = logged_in(base), logged_in(base, LEADER)
    data = {"person": "王雪", "until_day": "2023-10-20", "until_time": "18:00", "reason": "出差"}
    forged = staff.post(f"{base}/p/pianguan/silences", data=data, allow_redirects=False, timeout=10)
    assert forged.status_code == 403 and "安全令牌" in forged.text
    page = leader.get(f"{base}/p/pianguan", timeout=10).text
    assert "新建静默" not in page and "提前结束" not in page  # a leader reads the list only
    token = csrf_of(page)
    refused = leader.post(
        f"{base}/p/pianguan/silences", data={**data, "csrf": token}, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 403 and "只读账号" in refused.text
    with Session(app.engine) as session:
        assert not session.exec(select(Silence)).all()
        alert = session.exec(select(Alert).order_by(col(Alert.id))).first()
        assert alert is not None
        alert.state = AlertState.ACKNOWLEDGED
        session.add(alert)
        session.commit()
        alert_id = alert.id
    undo = leader.post(
        f"{base}/alerts/{alert_id}/unack", data={"csrf": token}, allow_redirects=False, timeout=10
    )
    assert undo.status_code == 403
    token = csrf_of(staff.get(f"{base}/p/pianguan", timeout=10).text)
    assert staff.post(f"{base}/silences/99/expire", data={"csrf": token}, timeout=10).status_code == 404


def test_undo_an_acknowledgement_on_the_page(site: tuple[App, str]) -> None:  # noqa: F811
    app, base = site
    staff = logged_in(base)
    page = staff.get(f"{base}/p/pianguan", timeout=10).text
    alert_id = int(re.findall(r'action="/alerts/(\d+)/ack"', page)[0])
    referer = {"referer": f"{base}/p/pianguan"}
    acked = staff.post(
        f"{base}/alerts/{alert_id}/ack",
        data={"csrf": csrf_of(page), "reason": "已安排"},
        headers=referer,
        timeout=10,
    )
    assert (
        f'action="/alerts/{alert_id}/unack"' in acked.text
        and f'action="/alerts/{alert_id}/ack"' not in acked.text
    )
    undone = staff.post(
        f"{base}/alerts/{alert_id}/unack", data={"csrf": csrf_of(page)}, headers=referer, timeout=10
    )
    assert undone.ok and "已撤销确认" in undone.text and "将按提醒计划照常提醒" in undone.text
    assert f'action="/alerts/{alert_id}/ack"' in undone.text
    with Session(app.engine) as session:
        alert = session.get(Alert, alert_id)
        events = session.exec(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(col(AlertEvent.id))
        ).all()
    assert alert is not None and alert.state is AlertState.OPEN
    assert (events[-1].event, events[-1].actor, events[-1].state) == (
        "unacknowledged",
        STAFF[2],
        AlertState.OPEN,
    )
