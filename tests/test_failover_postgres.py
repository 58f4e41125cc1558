"""Three ``duban run`` instances on one PostgreSQL database, the leader SIGKILLed again and again.

The instances are real processes (:mod:`tests.instances`) sending live to the WeCom test server,
which takes 0.3 s over each robot request, so a kill can land while a part is on the wire. The
leader is killed at seeded random moments while the outbox is being sent; each time the killed
machine comes back as a new instance. Then what the server received is compared with the outbox:
every part of every message arrived, at most one part repeated per kill, no robot ever got more
than 20 requests in a minute although one of them had more than 20 parts to take; a new leader
took over within 60 s each time, only after the old one died; no scheduled slot ran twice and
none was left behind.

Needs the PostgreSQL server (scripts/with-postgres): skipped with the reason without it, required
under CI=true (tests/postgres.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.clock import wall_clock
from bot.settings import Settings
from bot.wiring import App
from db.engine import make_engine, session_scope
from db.models import Channel, Delivery, JobRun, Project
from db.outbox import queue_delivery
from domain.enums import DeliveryStatus, RunStatus
from domain.schedule import catch_up_slot, job_specs
from jobs.outbox_message import message_of
from jobs.triggers import last_handled
from tests.fakes.wecom_server import FakeWeCom, Received, running
from tests.instances import LEADER_LINE, Instance, Instances, child_env
from tests.postgres import Databases, fresh_database

SEED = 17
KILLS = 3
KEYS = {"DUBAN_WECOM_KEY_A": "robot-a", "DUBAN_WECOM_KEY_B": "robot-b"}
PER_MINUTE = 20
TAKEOVER_LIMIT = 60.0
SETTINGS = {
    "DUBAN_DELIVERY": "live",
    "DUBAN_LEADER_POLL_SECONDS": "0.5",
    "DUBAN_OUTBOX_POLL_SECONDS": "1",
    "DUBAN_OUTBOX_LEASE_SECONDS": "3",
    "DUBAN_COLLECT_CRON": "* * * * *",  # a slot every minute, so the timetable runs through the kills
    "DUBAN_HTTP_TIMEOUT": "5",
}


def test_three_instances_fail_over_and_every_message_arrives(
    tmp_path: Path, postgres_databases: Databases
) -> None:
    rng = random.Random(SEED)
    fake = FakeWeCom(robot_keys=set(KEYS.values()), robot_delay=0.3)
    with fresh_database(postgres_databases) as url, running(fake) as wecom:
        engine = make_engine(url)
        env = child_env(DUBAN_DATABASE_URL=url, DUBAN_WECOM_API_BASE=wecom.url, **KEYS, **SETTINGS)
        instances = Instances(tmp_path, env)
        kills: list[tuple[float, Instance]] = []
        takeovers: list[float] = []
        try:
            for _ in range(3):
                instances.start()
            for instance in list(instances.all):
                instances.wait_started(instance)
            expected = _queue_messages(engine, tmp_path, wecom.url)
            queued_at = time.monotonic()
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 2.5))
                leader = instances.leader()
                killed = instances.kill(leader)
                kills.append((killed, leader))
                _, took_over = instances.wait_for(LEADER_LINE, since=killed, timeout=TAKEOVER_LIMIT)
                takeovers.append(took_over - killed)
                instances.start()  # the machine comes back, as a standby
            _wait_all_sent(engine, deadline=queued_at + 85, logs=instances.logs)
            # None left to catch up: every slot due by now is handled, once the leader has finished
            # the one it may be running (seconds on a busy machine).
            _wait_caught_up(engine, url, tmp_path, up_to=wall_clock(), deadline=time.monotonic() + 30)
            stopping = time.monotonic()
        finally:
            instances.stop_all()
        logs = instances.logs()

        # Exactly one leader at a time: each new leader only after the previous one was killed. Once
        # every instance is told to stop, a standby still finishing its send may take the lead the
        # stopped leader let go of: that is the end of the test, not a failover.
        leads = sorted(
            (at, i) for i in instances.all if (at := i.said(LEADER_LINE)) is not None and at < stopping
        )
        assert len(leads) == KILLS + 1, logs
        for (killed, victim), (_, previous), (next_at, _) in zip(kills, leads, leads[1:], strict=False):
            assert previous is victim and next_at > killed, logs
        assert all(t < TAKEOVER_LIMIT for t in takeovers), takeovers
        assert "Traceback" not in logs, logs
        victims = [victim for _, victim in kills]
        assert all(i.process.returncode == 0 for i in instances.all if i not in victims), logs

        # The outbox against what WeCom received.
        received = Counter((r.who, _content(r)) for r in wecom.received if r.kind == "robot")
        wanted = Counter(part for parts in expected.values() for part in parts)
        with session_scope(engine) as session:
            rows = session.exec(select(Delivery)).all()
        assert {r.status for r in rows} == {DeliveryStatus.SENT}, [
            (r.id, r.status, r.last_error) for r in rows
        ]
        assert set(received) == set(wanted)  # every part arrived, nothing else did
        repeated = sum(received.values()) - sum(wanted.values())
        assert 0 <= repeated <= KILLS, received - wanted

        # The rate limit, held across instances: one robot had more than a minute's worth.
        robot_a = sum(n for (who, _), n in wanted.items() if who == KEYS["DUBAN_WECOM_KEY_A"])
        assert robot_a > PER_MINUTE
        assert wecom.rate_violations == 0
        busiest = max(_busiest_minute(wecom.received, key) for key in KEYS.values())
        assert busiest <= PER_MINUTE

        # The timetable: no slot ran twice (and none was left to catch up, waited for above).
        with session_scope(engine) as session:
            handled = [
                (r.job, r.slot)
                for r in session.exec(select(JobRun).where(col(JobRun.slot).is_not(None)))
                if r.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
            ]
        assert len(handled) == len(set(handled)), Counter(handled).most_common(3)
        engine.dispose()

    print(
        f"\nFAILOVER kills={KILLS} takeover_s={[round(t, 2) for t in takeovers]} "
        f"parts expected={sum(wanted.values())} received={sum(received.values())} repeated={repeated} "
        f"robot_a_parts={robot_a} busiest_minute={busiest} wall_s={time.monotonic() - queued_at:.1f}"
    )


def _queue_messages(engine: Engine, tmp_path: Path, wecom_url: str) -> dict[int, list[tuple[str, str]]]:
    """Robot A: 18 one-part messages and 2 long ones; robot B: 5 long ones. Returns each row's
    parts as WeCom should receive them, cut by duban's own notifier."""
    with session_scope(engine) as session:
        project = Project(code="failover", name="多实例测试", county="测试县")
        session.add(project)
        session.flush()
        assert project.id is not None
        channels = [
            Channel(
                project_id=project.id, code=code, kind="wecom_robot", name=name, settings={"webhook_key": ref}
            )
            for code, name, ref in (
                ("group-a", "甲群", "${DUBAN_WECOM_KEY_A}"),
                ("group-b", "乙群", "${DUBAN_WECOM_KEY_B}"),
            )
        ]
        session.add_all(channels)
        session.flush()
        plan = [(channels[0], 1)] * 18 + [(channels[0], 70)] * 2 + [(channels[1], 70)] * 5
        for n, (channel, lines) in enumerate(plan):
            body = "\n".join(f"- 第 {n} 条消息第 {line} 行：{'督办事项说明' * 8}" for line in range(lines))
            queue_delivery(
                session,
                dedup_key=f"failover-{n}",
                project_id=project.id,
                channel_id=channel.id,
                channel_code=channel.code,
                subject=f"第 {n} 条提醒",
                body=body,
            )
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(
        data_dir=tmp_path / "probe", database_url=url, delivery="live", wecom_api_base=wecom_url
    )
    app = App.build(settings, KEYS)
    expected: dict[int, list[tuple[str, str]]] = {}
    with session_scope(engine) as session:
        by_id = {c.id: c for c in session.exec(select(Channel))}
        for row in session.exec(select(Delivery)):
            channel = by_id[row.channel_id]
            notifier = app.notifier_for(channel)
            key = KEYS[channel.settings["webhook_key"][2:-1]]
            message = message_of(row, channel)
            expected[row.id or 0] = [(key, part.content) for part in notifier.parts(message)]
    app.engine.dispose()
    return expected


def _content(received: Received) -> str:
    kind = received.payload["msgtype"]
    return str(received.payload[kind]["content"])


def _wait_all_sent(engine: Engine, *, deadline: float, logs: object) -> None:
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            left = session.exec(select(Delivery.id).where(Delivery.status != DeliveryStatus.SENT)).all()
        if not left:
            return
        time.sleep(0.5)
    raise AssertionError(f"messages left unsent: {left}\n{logs() if callable(logs) else logs}")


def _wait_caught_up(engine: Engine, url: str, tmp_path: Path, *, up_to: datetime, deadline: float) -> None:
    """Wait until every scheduled slot due by ``up_to`` has been handled (run, or caught up)."""
    config = Settings(collect_cron=SETTINGS["DUBAN_COLLECT_CRON"]).schedule()
    app = App.build(Settings(data_dir=tmp_path / "probe", database_url=url), {})
    try:
        while True:
            left = [
                spec.id
                for spec in job_specs(config)
                if catch_up_slot(spec, up_to, app.calendar, last_handled(engine, spec.id)) is not None
            ]
            if not left:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"slots due by {up_to} still not handled: {left}")
            time.sleep(0.5)
    finally:
        app.engine.dispose()


def _busiest_minute(received: list[Received], key: str) -> int:
    times = sorted(r.at for r in received if r.kind == "robot" and r.who == key)
    return max((_within(times, start) for start in times), default=0)


def _within(times: list[datetime], start: datetime) -> int:
    return sum(1 for at in times if start <= at < start + timedelta(seconds=60))
