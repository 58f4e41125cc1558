"""Faults outside duban — backends slow, down, failing, talking nonsense or changed; WeCom down for
an hour; SMTP refusing for a while or for good — each reported, and recovered without loss
(world: :mod:`tests.fault_world`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from db.evidence import intact
from db.models import Alert, CollectionAttempt, Delivery, Evidence, Measurement
from domain.enums import DeliveryStatus
from tests.fault_world import DEAD_PORT_URL, FIGURES, KEYS, County, admin_mail, make_county


@pytest.fixture
def county(tmp_path: Path) -> Iterator[County]:
    with make_county(tmp_path) as world:
        yield world


# -- backends --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("slow", "秒内没有响应"),
        ("down", "连接"),
        ("http-500", "500"),
        ("garbage", "无法解码"),
        ("layout", "月份"),
    ],
)
def test_a_backend_fault_is_reported_then_collected_once_it_clears(
    county: County, fault: str, reason: str
) -> None:
    if fault == "down":
        county.app.environ = {**county.app.environ, "DUBAN_DEMO_BACKEND_URL": DEAD_PORT_URL}
    county.backend.fault = fault
    result = county.cycle()

    assert result.collected is not None and result.collected.figures == 0
    with county.session() as session:
        attempt = session.exec(select(CollectionAttempt)).one()
        assert not attempt.ok and reason in (attempt.error or ""), attempt.error
        assert session.exec(select(Measurement)).all() == []  # nothing read as zero
    told = "\n".join(county.robot())
    assert "数据源 桐城e镇电商公共服务中心数据后台 采集失败" in told and "请管理员检查数据源" in told

    county.backend.fault = None
    county.app.environ = {**county.app.environ, "DUBAN_DEMO_BACKEND_URL": county.backend_url}
    county.next_day()
    result = county.cycle()

    assert result.collected is not None and result.collected.figures == FIGURES
    with county.session() as session:
        figures = session.exec(select(Measurement)).all()
        assert len(figures) == FIGURES
        assert all(
            intact(county.app.settings.evidence_dir, session.get(Evidence, m.evidence_id)) for m in figures
        )  # type: ignore[arg-type]
        alert = session.exec(select(Alert).where(col(Alert.key).endswith("/collection"))).one()
        assert alert.state.value == "resolved"
    assert "数据源已恢复采集" in county.robot()[-1]


# -- channels ----------------------------------------------------------------------------------------


def settle(county: County, sweeps: int = 30) -> None:
    """Sweep every five minutes, as the service does, until nothing is pending."""
    for _ in range(sweeps):
        with county.session() as session:
            if not session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)).all():
                return
        county.clock.advance(300)
        county.sweep()
    raise AssertionError("still pending")


def statuses(county: County) -> dict[str, list[str]]:
    with county.session() as session:
        found: dict[str, list[str]] = {}
        for d in session.exec(select(Delivery).order_by(col(Delivery.id))):
            found.setdefault(d.channel_code, []).append(d.status.value)
        return found


def test_wecom_down_for_an_hour_is_reported_and_everything_arrives_once_it_is_back(county: County) -> None:
    live = county.app.settings
    county.app.settings = live.model_copy(update={"wecom_api_base": DEAD_PORT_URL})
    result = county.cycle()
    assert result.delivered.retrying == 2  # both groups' digests wait; the leaders' email went out
    for _ in range(12):  # an hour of sweeps with WeCom unreachable
        county.clock.advance(300)
        county.sweep()
    assert county.wecom.received == []
    told = admin_mail(county)
    assert len(told) == 2 and all("连不上企业微信" in text for text in told)  # one per digest, once
    assert "仍在重试" in county.mail.received[-1]["Subject"]

    county.app.settings = live  # back
    settle(county)
    # 闻喜's digest fits one request; 昭化's, with its targets (examples/zhaohua.yaml Z03a–Z14),
    # is about 6 KB and goes as two, each under the robot's 4096-byte limit.
    sizes = {
        k: [len(m["markdown"]["content"].encode()) for m in county.wecom.robot_messages(k)]
        for k in KEYS.values()
    }
    assert [len(sizes[k]) for k in sorted(KEYS.values())] == [1, 2]
    assert all(size <= 4096 for parts in sizes.values() for size in parts)
    assert len(set(county.robot())) == len(county.robot()) == 1
    assert statuses(county) == {
        "wenxi-work": ["sent"],
        "zhaohua-work": ["sent"],
        "zhaohua-leaders": ["sent"],
        "admin": ["sent", "sent"],
    }


def test_smtp_temporary_refusals_are_retried_and_reported_if_they_last(county: County) -> None:
    county.app.settings = county.app.settings.model_copy(
        update={"admin_email": None, "admin_channel": "wenxi-work"}
    )
    county.mail.reply_next = ["451 4.3.0 Mailbox busy, try again later"] * 6
    county.cycle()
    settle(county)
    assert len(county.mail.received) == 1  # the leaders' digest, once, on the seventh try
    failing = [text for text in county.robot() if "仍在自动重试" in text]
    assert len(failing) == 1 and "451 4.3.0" in failing[0] and "暂时不收" in failing[0]


def test_smtp_permanent_refusal_stops_at_once_and_tells_the_administrator(county: County) -> None:
    county.app.settings = county.app.settings.model_copy(
        update={"admin_email": None, "admin_channel": "wenxi-work"}
    )
    county.mail.reply_next = ["550 5.1.1 Mailbox unavailable"]
    county.cycle()
    assert statuses(county)["zhaohua-leaders"] == ["dead"]
    told = [text for text in county.robot() if "需要管理员处理" in text or "无法送达" in text]
    assert len(told) == 1 and "550 5.1.1 Mailbox unavailable" in told[0] and "核对收件地址" in told[0]
    county.clock.advance(3 * 3600)
    county.sweep()
    assert county.mail.received == []  # a permanent refusal is not retried
