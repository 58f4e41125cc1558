"""``duban notify-test CHANNEL``: send one short message through the real notifier, now.

It goes around the outbox on purpose: the point is to see at once whether a configuration works,
and if not, exactly why (missing variable, invalid robot key, wrong secret, untrusted IP, login).
It does keep the channel's rate window: each request is counted with the sender's (a robot takes
20 a minute, and the sender counts the test's too); when the window is full it says when to try
again rather than push the channel over its limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from db.channels import channels_by_code
from db.engine import session_scope
from db.models import Channel
from domain.errors import ConfigurationError, DeliveryError
from domain.labels import channel_kind_label
from domain.workdays import OFFICE_TZ
from jobs.admin_alert import advice_for
from jobs.context import Context
from jobs.rate_window import reserve_attempt
from notifiers.base import Format, Message, Notifier
from notifiers.render import render_template

SUBJECT = "【督办系统】测试消息"
TEMPLATES = {
    Format.HTML: "test_message.html.j2",
    Format.MARKDOWN: "test_message.md.j2",
    Format.TEXT: "test_message.txt.j2",
}


@dataclass
class TestOutcome:
    channel: str
    channel_name: str
    kind: str
    ok: bool = False
    parts: int = 0
    notes: list[str] = field(default_factory=list)
    problem: str = ""
    advice: str = ""
    retryable: bool = False

    @property
    def headline(self) -> str:
        """The result in one sentence, as the command line and the page both say it."""
        where = f"{self.channel_name}（{self.channel}，{channel_kind_label(self.kind)}）"
        if self.ok:
            return f"测试消息已发送到 {where}，共 {self.parts} 条请求，对方已接受。"
        return f"测试消息没有发出去：{self.problem}"


def send_test_message(app: Context, code: str, *, project: str | None, now: datetime) -> TestOutcome:
    channel = None if code == "admin" else _find(app, code, project)
    name = channel.name if channel else "管理员告警"
    kind = channel.kind if channel else "email"
    outcome = TestOutcome(code, name, kind)
    context = {
        "channel_name": name,
        "channel_code": code,
        "sent_at": f"{now.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}",
    }
    try:
        fmt = app.channels.format_of(kind) if channel else Format.HTML  # the admin route is email
        message = Message(
            delivery_id=0,
            channel=code,
            channel_name=name,
            subject=SUBJECT,
            body=render_template(TEMPLATES[fmt], **context),
            format=fmt,
            text=render_template(TEMPLATES[Format.TEXT], **context) if fmt is Format.HTML else None,
            kind="test",
        )
        if channel is None and not app.admin_email:
            raise ConfigurationError("没有设置 DUBAN_ADMIN_EMAIL：管理员告警只会显示在控制台和发件箱文件夹中")
        notifier = app.live_notifier(channel)
        parts = notifier.parts(message)
        for part in parts:
            if not _window_open(app, notifier, outcome):
                return outcome
            if note := notifier.send_part(message, part):
                outcome.notes.append(note)
        outcome.ok, outcome.parts = True, len(parts)
    except DeliveryError as error:
        outcome.problem, outcome.retryable = error.problem, error.retryable
        outcome.advice = advice_for(error.problem)
    except ConfigurationError as error:
        outcome.problem, outcome.advice = str(error), advice_for(str(error))
    return outcome


def _window_open(app: Context, notifier: Notifier, outcome: TestOutcome) -> bool:
    """Count this request in the channel's window; False (and why, in ``outcome``) if it is full."""
    key, per_minute = notifier.rate_key, notifier.per_minute
    if not key or not per_minute:
        return True
    wait = reserve_attempt(app.engine, rate_key=key, per_minute=per_minute, clock=app.clock)
    if wait <= 0:
        return True
    outcome.problem = f"这个频道每分钟最多发 {per_minute} 条消息，最近一分钟已经发满（含正式提醒）"
    outcome.advice = f"请约 {math.ceil(wait)} 秒后再试；正式提醒会排队等待，不会丢失。"
    outcome.retryable = True
    return False


def _find(app: Context, code: str, project: str | None) -> Channel:
    with session_scope(app.engine) as session:
        found = channels_by_code(session, code=code, project=project)
    if not found:
        raise ConfigurationError(f"找不到频道 {code}：请先导入方案文件，或用 duban status 查看频道代码")
    if len(found) > 1:
        raise ConfigurationError(f"频道代码 {code} 在多个项目中都有：请用 --project 指定项目")
    return found[0]
