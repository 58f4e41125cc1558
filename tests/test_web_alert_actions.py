"""An acknowledgement or a silence from the web page leaves the same trail as one from the terminal:
the new state, and an ``AlertEvent`` naming who did it and why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, select

from bot.demo.backend import running_backend
from bot.wiring import App
from db.engine import session_scope
from db.models import Alert, AlertEvent
from domain.enums import AlertState
from tests.webkit import STAFF, county, csrf_of, logged_in, serving


@pytest.fixture
def site(app: App) -> Iterator[tuple[App, str]]:
    with running_backend() as backend:
        county(app, backend)
        with serving(app) as base:
            yield app, base


def open_alert_ids(app: App) -> list[int]:
    with session_scope(app.engine) as session:
        query = select(Alert.id).where(Alert.state == AlertState.OPEN).order_by(col(Alert.id))
        return [i for i in session.exec(query) if i is not None]


def events_of(app: App, alert_id: int) -> list[AlertEvent]:
    with session_scope(app.engine) as session:
        query = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(col(AlertEvent.id))
        return list(session.exec(query))


@pytest.mark.parametrize(
    ("action", "form", "event", "state", "reason"),
    [
        ("ack", {}, "acknowledged", AlertState.ACKNOWLEDGED, "已安排专人跟进（张科长）"),
        (
            "silence",
            {"until": "2023-10-20"},
            "silenced",
            AlertState.OPEN,  # a silence mutes it; the alert itself stays open
            "静默至 2023-10-20 23:59（北京时间）：已安排专人跟进（张科长）",
        ),
    ],
)
def test_a_web_action_records_an_alert_event_with_the_actor(
    site: tuple[App, str], action: str, form: dict[str, str], event: str, state: AlertState, reason: str
) -> None:
    app, base = site
    staff = logged_in(base)
    page = staff.get(f"{base}/p/pianguan", timeout=10).text
    alert_id = open_alert_ids(app)[0]
    before = events_of(app, alert_id)
    answer = staff.post(
        f"{base}/alerts/{alert_id}/{action}",
        data={"csrf": csrf_of(page), "reason": "已安排专人跟进", **form},
        headers={"referer": f"{base}/p/pianguan"},
        timeout=10,
    )
    assert answer.ok
    after = events_of(app, alert_id)
    assert len(after) == len(before) + 1
    recorded = after[-1]
    assert (recorded.event, recorded.state, recorded.actor) == (event, state, STAFF[2])
    assert recorded.reason == reason and recorded.as_of is None


def test_a_refused_web_action_records_nothing(site: tuple[App, str]) -> None:
    app, base = site
    staff = logged_in(base)
    page = staff.get(f"{base}/p/pianguan", timeout=10).text
    alert_id = open_alert_ids(app)[0]
    before = events_of(app, alert_id)
    answer = staff.post(
        f"{base}/alerts/{alert_id}/silence",
        data={"csrf": csrf_of(page), "reason": "已安排专人跟进", "until": "2023-10-01"},
        headers={"referer": f"{base}/p/pianguan"},
        timeout=10,
    )
    assert answer.ok and "静默截止时间必须晚于现在" in answer.text
    assert len(events_of(app, alert_id)) == len(before)
