"""The outbox sender against the local WeCom server and aiosmtpd: never lost, never twice. The
tests of what the outbox rows go through run with the outbox in SQLite and in PostgreSQL; those
about a channel's own behaviour (token expiry, SMTP login, a slow robot) on SQLite.

Time is a :class:`FakeClock` shared by the sender and the fake server, so backoffs of minutes and
rate windows of a minute run in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.wiring import App
from db.engine import session_scope
from db.models import Channel, SendAttempt
from domain.enums import DeliveryStatus
from jobs.deliver import DeliverResult, deliver_pending
from jobs.rate_window import RATE_WAITS
from tests.fakes.clock import FakeClock
from tests.fakes.outbox import SECRETS, live_app, queue, rows
from tests.fakes.smtp_server import smtp_server
from tests.fakes.wecom_server import FakeWeCom, running

DIGEST = "**【紧急】整改逾期 1 项**\n高权：问题{n} 已超过时限 2023年10月15日（逾期 1 天）"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeWeCom]:
    with running(FakeWeCom(clock=clock)) as server:
        yield server


def deliver(app: App, clock: FakeClock) -> DeliverResult:
    return deliver_pending(
        app.engine, app.notifier_for, now=clock(), clock=clock, sleep=clock.sleep, admin=app.admin_route()
    )


def until_settled(app: App, clock: FakeClock, runs: int = 30) -> list[DeliverResult]:
    """Run the sender the way the service does (every 5 minutes) until nothing is pending."""
    results = []
    for _ in range(runs):
        results.append(deliver(app, clock))
        if all(r.status is not DeliveryStatus.PENDING for r in rows(app)):
            return results
        clock.advance(300)
    raise AssertionError("still pending")


def contents(fake: FakeWeCom) -> list[str]:
    return [m["markdown"]["content"] for m in fake.robot_messages() if m["msgtype"] == "markdown"]


@pytest.mark.both_databases
def test_channel_down_then_back_delivers_exactly_once(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    fake.inject(502, "timeout", -1)  # down, hanging, busy — then back
    fake.hang_seconds = 0.8
    queue(app, "work", DIGEST.format(n=1), now=clock())
    until_settled(app, clock)
    assert contents(fake) == [DIGEST.format(n=1)]
    (row,) = rows(app)
    assert row.status is DeliveryStatus.SENT and row.attempts == 4 and row.last_error is None


@pytest.mark.both_databases
def test_a_45009_storm_backs_off_and_loses_nothing(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    for n in range(3):
        queue(app, "work", DIGEST.format(n=n), now=clock())
    fake.inject(*[45009] * 6)  # someone else floods the same robot
    results = until_settled(app, clock, runs=200)
    assert sorted(contents(fake)) == sorted(DIGEST.format(n=n) for n in range(3))
    # While the robot is throttled, each run knocks once, not once per waiting message.
    assert fake.requests == 6 + 3
    assert sum(r.retrying for r in results) == 6
    assert fake.rate_violations == 0


@pytest.mark.both_databases
def test_an_invalid_key_dies_once_and_alerts_the_administrator(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    with smtp_server(tmp_path) as box:
        app = live_app(
            tmp_path,
            clock,
            database_url=database,
            wecom_url=fake.url,
            smtp_port=box.port,
            robot_key="removed-robot-key",
            admin_email="admin@example.com",
        )
        queue(app, "work", DIGEST.format(n=1), now=clock())
        first = deliver(app, clock)
        clock.advance(3600)
        second = deliver(app, clock)
    assert (first.dead, first.admin_alerts, first.sent) == (1, 1, 1)  # the admin alert went out at once
    assert (second.sent, second.retrying, second.dead) == (0, 0, 0)  # no retry loop
    assert fake.requests == 1
    dead, alert = rows(app)
    assert dead.status is DeliveryStatus.DEAD and "93000" in (dead.last_error or "")
    assert alert.kind == "admin" and alert.status is DeliveryStatus.SENT
    (mail,) = box.received
    assert mail["Subject"] == "【督办系统】消息发送失败，需要管理员处理"
    text = mail.get_content()
    assert "偏关县乡村e镇工作群" in text and "重新添加机器人" in text
    assert "removed-robot-key" not in text and "removed-robot-key" not in (dead.last_error or "")


@pytest.mark.both_databases
def test_a_missing_secret_is_a_configuration_failure_for_the_administrator(
    tmp_path: Path, database: str | None, clock: FakeClock
) -> None:
    app = live_app(tmp_path, clock, database_url=database)
    app.environ = {k: v for k, v in app.environ.items() if k != "DUBAN_TEST_ROBOT_KEY"}
    queue(app, "work", DIGEST.format(n=1), now=clock())
    result = deliver(app, clock)
    assert (result.dead, result.admin_alerts) == (1, 1)
    dead, alert = rows(app)
    assert "DUBAN_TEST_ROBOT_KEY" in (dead.last_error or "")
    assert alert.status is DeliveryStatus.SENT  # no admin email set: the console and outbox folder
    assert (tmp_path / "data" / "outbox" / f"{alert.id:06d}-admin.txt").exists(), list(
        (tmp_path / "data").rglob("*")
    )


def test_token_expiry_in_the_middle_of_a_batch(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    fake.expire_after = 2  # WeCom invalidates the token after every second message
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    for n in range(5):
        queue(app, "app", DIGEST.format(n=n), now=clock())
    result = deliver(app, clock)
    assert result.sent == 5
    assert [m["markdown"]["content"] for m in fake.app_messages()] == [DIGEST.format(n=n) for n in range(5)]
    assert fake.tokens_issued == 3


@pytest.mark.both_databases
def test_the_rate_limit_holds_within_and_across_runs(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    start = clock()
    for n in range(15):
        queue(app, "work", DIGEST.format(n=n), now=clock())
    assert deliver(app, clock).sent == 15
    for n in range(15, 45):  # a second run (another process, say) right after the first
        queue(app, "work", DIGEST.format(n=n), now=clock())
    waits_before, waited_before = RATE_WAITS.count, RATE_WAITS.seconds
    second = deliver(app, clock)
    assert second.sent == 30 and second.waited > 0
    assert RATE_WAITS.count > waits_before  # what /metrics reports as duban_rate_limit_waits_total
    assert RATE_WAITS.seconds - waited_before == pytest.approx(second.waited)
    assert fake.rate_violations == 0
    assert len(contents(fake)) == 45
    # 45 messages at 20 a minute need two full windows: no faster than that, and not much slower.
    elapsed = (clock() - start).total_seconds()
    assert 120 <= elapsed <= 125
    with session_scope(app.engine) as session:
        assert len(session.exec(select(SendAttempt)).all()) == 45  # keyed by a hash, not the key
        assert not any("robot-key-1" in a.rate_key for a in session.exec(select(SendAttempt)))


def test_one_slow_robot_does_not_hold_up_the_others(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    for n in range(25):
        queue(app, "work", DIGEST.format(n=n), now=clock())
    queue(app, "app", "**应用消息**", now=clock())
    deliver(app, clock)
    assert len(fake.app_messages()) == 1 and len(contents(fake)) == 25
    robot_times = [r.at for r in fake.received if r.kind == "robot"]
    app_time = next(r.at for r in fake.received if r.kind == "app")
    assert app_time < robot_times[-1]  # sent while the robot waited for its window


class Crash(BaseException):
    """The process dies (not an error the sender could catch)."""


@pytest.mark.parametrize(
    ("where", "duplicates"),
    [
        ("before part 2 is sent", 0),
        ("after part 2 was accepted, before it was recorded", 1),
        ("after the first message was recorded, before the second", 0),
    ],
)
@pytest.mark.both_databases
def test_a_crash_anywhere_loses_nothing(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom, where: str, duplicates: int
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    body = "\n".join(f"- 问题{i}：专项资金未下拨，未提供垫付资金支出的财务资料。" for i in range(200))
    queue(app, "work", body, now=clock())
    queue(app, "work", "**第二条消息**", now=clock())
    live_notifier_for = app.notifier_for

    def dying(channel: Channel | None):  # type: ignore[no-untyped-def]
        notifier = live_notifier_for(channel)
        send_part = notifier.send_part

        def send(message, part):  # type: ignore[no-untyped-def]
            second = message.body == "**第二条消息**"
            if (where.startswith("before part 2") and part.index == 1) or (
                where.startswith("after the first") and second
            ):
                raise Crash
            note = send_part(message, part)
            if where.startswith("after part 2") and part.index == 1:
                raise Crash
            return note

        notifier.send_part = send  # type: ignore[method-assign]
        return notifier

    with pytest.raises(Crash):
        deliver_pending(app.engine, dying, now=clock(), clock=clock, sleep=clock.sleep)
    clock.advance(60)
    deliver(app, clock)
    assert len(contents(fake)) == len(set(contents(fake)))  # the dead sender's lease still holds its row
    clock.advance(600)
    deliver(app, clock)  # taken up again after the lease, from the first unrecorded part
    assert all(r.status is DeliveryStatus.SENT for r in rows(app))
    got = contents(fake)
    assert len(got) - len(set(got)) == duplicates
    assert got.count("**第二条消息**") == 1
    lines = [ln for c in dict.fromkeys(got) for ln in c.split("\n") if ln.startswith("- 问题")]
    assert lines == body.split("\n")  # every line of the long message, once, in order


def test_email_through_the_outbox_with_login(tmp_path: Path, database: str | None, clock: FakeClock) -> None:
    with smtp_server(tmp_path, login=("duban", "smtp-pass-word-1")) as box:
        app = live_app(tmp_path, clock, database_url=database, smtp_port=box.port, smtp_login=True)
        html = "<html><body><p>张主任：逾期事项 2 项</p></body></html>"
        queue(
            app,
            "leaders",
            html,
            now=clock(),
            text="张主任：逾期事项 2 项",
            subject="【督办提醒】偏关县：2 项逾期",
        )
        assert deliver(app, clock).sent == 1
    (mail,) = box.received
    assert mail["Subject"] == "【督办提醒】偏关县：2 项逾期"
    assert mail.get_body(("plain",)).get_content().strip() == "张主任：逾期事项 2 项"  # type: ignore[union-attr]


@pytest.mark.both_databases
def test_no_secret_is_stored_in_the_outbox(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url, robot_key="revoked-key-123")
    queue(app, "work", DIGEST.format(n=1), now=clock())
    queue(app, "app", DIGEST.format(n=2), now=clock())
    fake.inject(0, 0, 42001)  # robot, gettoken, then "expired" at send: fetched again and resent
    until_settled(app, clock, runs=3)
    stored = " ".join(f"{r.last_error} {r.note} {r.body}" for r in rows(app))
    for secret in (*SECRETS, "revoked-key-123", "token-"):
        assert secret not in stored
    assert fake.app_messages() and fake.tokens_issued == 2


@pytest.mark.both_databases
def test_status_is_checked_again_before_sending(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    queue(app, "work", DIGEST.format(n=1), now=clock())
    first = deliver(app, clock)
    again = deliver(app, clock)  # a second sender at the same instant finds nothing pending
    assert (first.sent, again.sent) == (1, 0)
    assert len(contents(fake)) == 1


@pytest.mark.both_databases
def test_a_channel_that_keeps_failing_is_reported_once_and_still_retried(
    tmp_path: Path, database: str | None, clock: FakeClock, fake: FakeWeCom
) -> None:
    app = live_app(tmp_path, clock, database_url=database, wecom_url=fake.url)
    queue(app, "work", DIGEST.format(n=1), now=clock())
    fake.inject(*[502] * 8)
    until_settled(app, clock, runs=400)
    digest, alert = rows(app)
    assert digest.status is DeliveryStatus.SENT and digest.attempts == 9
    assert alert.kind == "admin" and alert.subject == "【督办系统】消息多次发送失败，仍在重试"
    assert "已连续 6 次发送失败，仍在自动重试" in alert.body
    assert contents(fake) == [DIGEST.format(n=1)]


def test_a_note_every_part_reports_is_kept_once(tmp_path: Path, clock: FakeClock) -> None:
    """张主任's WeCom account is unknown: each of the message's parts says so, the row once."""
    with running(FakeWeCom(clock=clock, users={"gaoquan"})) as fake:
        app = live_app(tmp_path, clock, wecom_url=fake.url)
        long = "\n".join(DIGEST.format(n=n) for n in range(60))  # several app messages long
        queue(app, "app", long, now=clock())
        until_settled(app, clock)
    (row,) = rows(app)
    assert row.status is DeliveryStatus.SENT and row.parts_sent == len(fake.app_messages()) > 3
    assert row.note == "以下企业微信账号无效或不在应用可见范围内，未收到：zhangzhuren"


def test_a_rows_uid_differs_after_the_database_is_rebuilt() -> None:
    """Row 1 of a rebuilt database is another message: the Message-ID part from the row's dedup
    key and creation time differs, while the same row always gives the same one."""
    from datetime import UTC, datetime

    from db.models import Delivery
    from jobs.outbox_message import message_uid

    def row(created: datetime) -> Delivery:
        return Delivery(
            id=1, dedup_key="2023-10-13/pianguan/pianguan-leaders/abc", project_id=1, channel_code="c",
            subject="s", body="b", created_at=created, next_attempt_at=created,
        )  # fmt: skip

    first, rebuilt = datetime(2023, 10, 13, 1, tzinfo=UTC), datetime(2023, 10, 13, 1, 0, 1, tzinfo=UTC)
    assert message_uid(row(first)) == message_uid(row(first))
    assert message_uid(row(first)) != message_uid(row(rebuilt))
