"""A live-delivery App on a temp SQLite database, with one project's people and three channels.

People: 高权 (mobile and WeCom userid), 王雪 (mobile only), 张主任 (userid and email).
Channels: ``work`` (group robot), ``app`` (WeCom application), ``leaders`` (email).
Secrets come from the environ given to the App, as in production.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import select

from bot.settings import Settings
from bot.wiring import App
from db.engine import session_scope
from db.models import Channel, Delivery, Person, Project, Subscription
from notifiers.wecom_app import TokenCache
from tests.fakes.clock import FakeClock

ROBOT_KEY = "robot-key-1"
APP_SECRET = "app-secret-value"
SMTP_PASSWORD = "smtp-pass-word-1"
SECRETS = (ROBOT_KEY, APP_SECRET, SMTP_PASSWORD)


def live_app(
    tmp_path: Path,
    clock: FakeClock,
    *,
    wecom_url: str = "http://127.0.0.1:9",
    smtp_port: int = 9,
    smtp_login: bool = False,
    robot_key: str = ROBOT_KEY,
    **settings: object,
) -> App:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "delivery": "live",
        "wecom_api_base": wecom_url,
        "wecom_corp_id": "ww-corp",
        "wecom_agent_id": "1000002",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "smtp_from": "duban@example.com",
        "http_timeout": 0.5,
        **settings,
    }
    if smtp_login:
        values["smtp_user"] = "duban"
    environ = {
        "DUBAN_TEST_ROBOT_KEY": robot_key,
        "DUBAN_WECOM_SECRET": APP_SECRET,
        "DUBAN_SMTP_PASSWORD": SMTP_PASSWORD,
    }
    app = App.build(Settings.model_validate(values), environ)
    app.tokens = TokenCache(clock)
    app.init_database()
    _seed(app)
    return app


def _seed(app: App) -> None:
    with session_scope(app.engine) as session:
        project = Project(code="pg", name="偏关县乡村e镇建设项目", county="偏关县")
        session.add(project)
        session.flush()
        people = [
            Person(project_id=project.id, name="高权", mobile="13800000001", wecom_userid="gaoquan"),
            Person(project_id=project.id, name="王雪", mobile="13800000002"),
            Person(
                project_id=project.id,
                name="张主任",
                wecom_userid="zhangzhuren",
                email="zhangzhuren@example.com",
            ),
        ]
        session.add_all(people)
        channels = [
            Channel(
                project_id=project.id,
                code="work",
                kind="wecom_robot",
                name="偏关县乡村e镇工作群",
                settings={"webhook_key": "${DUBAN_TEST_ROBOT_KEY}"},
            ),
            Channel(project_id=project.id, code="app", kind="wecom_app", name="督办应用消息"),
            Channel(
                project_id=project.id,
                code="leaders",
                kind="email",
                name="偏关县乡村e镇工作领导小组",
                leadership=True,
                settings={"to_name": "偏关县乡村e镇工作领导小组"},
            ),
        ]
        session.add_all(channels)
        session.flush()
        members = {"work": people[:2], "app": people, "leaders": people[2:]}
        for channel in channels:
            for person in members[channel.code]:
                session.add(Subscription(channel_id=channel.id, person_id=person.id))


def queue(
    app: App,
    channel: str,
    body: str,
    *,
    now: datetime,
    mentions: tuple[str, ...] = (),
    subject: str = "【督办提醒】偏关县乡村e镇建设项目：3 项需关注",
    text: str | None = None,
    dedup: str | None = None,
) -> int:
    with session_scope(app.engine) as session:
        row = session.exec(select(Channel).where(Channel.code == channel)).one()
        delivery = Delivery(
            dedup_key=dedup or f"test/{channel}/{hash((body, now))}",
            project_id=row.project_id,
            channel_id=row.id,
            channel_code=channel,
            subject=subject,
            body=body,
            text_body=text,
            mentions=list(mentions),
            created_at=now,
            next_attempt_at=now,
        )
        session.add(delivery)
        session.flush()
        assert delivery.id is not None
        return delivery.id


def rows(app: App) -> list[Delivery]:
    with session_scope(app.engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())
