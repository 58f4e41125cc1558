"""The administrator alert: a message that will never be delivered becomes a message that will.

When a delivery turns DEAD (a permanent refusal: invalid robot key, wrong secret, untrusted IP,
bad address…), an ``admin`` row goes into the outbox in the same transaction, addressed to the
administrator route (``DUBAN_ADMIN_CHANNEL``, else ``DUBAN_ADMIN_EMAIL``, else the console and
outbox folder). An admin row that dies itself is logged at CRITICAL and never alerts again, so a
broken administrator channel cannot loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from db import outbox
from db.models import Delivery
from domain.workdays import OFFICE_TZ
from notifiers.render import render_template

log = logging.getLogger(__name__)
ADMIN_KIND = "admin"
SUBJECT = "【督办系统】消息发送失败，需要管理员处理"
FAILING_SUBJECT = "【督办系统】消息多次发送失败，仍在重试"
STILL_FAILING_AFTER = 6  # attempts: about an hour of backoff (1 + 2 + 4 + 8 + 16 + 32 minutes)

ADVICE = (
    # The SMTP settings mismatches first: their messages also say 登录 and 加密.
    ("要求登录后才能发信", "在 .env 中设置 DUBAN_SMTP_USER 和 DUBAN_SMTP_PASSWORD（邮箱授权码），重启服务。"),
    ("要求先加密连接", "在 .env 中把 DUBAN_SMTP_SECURITY 设为 starttls（465 端口设为 ssl），重启服务。"),
    ("不支持 STARTTLS", "把 DUBAN_SMTP_SECURITY 改为 ssl（通常是 465 端口）；服务器确实不加密时才用 none。"),
    ("不提供登录", "这台邮件服务器不用登录：去掉 DUBAN_SMTP_USER 和 DUBAN_SMTP_PASSWORD，或问邮件管理员。"),
    ("93000", "群机器人已失效：在群里重新添加机器人，把新 webhook key 写进 .env 对应的变量。"),
    ("60020", "在企业微信管理后台把服务器出口 IP 加入该应用的“企业可信IP”。"),
    ("secret", "核对企业微信应用的 corpid、agentid 和 secret（.env 中的变量）。"),
    ("环境变量", "在 .env 中设置提示的环境变量后重启服务。"),
    ("登录", "核对邮箱账号和授权码（DUBAN_SMTP_USER / DUBAN_SMTP_PASSWORD）。"),
    ("收件", "核对方案文件中人员的 email 或频道设置里的 to。"),
    ("证书", "邮件服务器证书不受信任：改用正确的主机名，或用 DUBAN_SMTP_CA_FILE 指定内部 CA。"),
    ("连不上企业微信", "检查本机能否访问企业微信接口（DUBAN_WECOM_API_BASE）、DNS 和代理设置。"),
    ("连不上邮件", "检查邮件服务器地址和端口（DUBAN_SMTP_HOST / DUBAN_SMTP_PORT / DUBAN_SMTP_SECURITY）。"),
    ("拒绝了这封邮件（4", "邮件服务器暂时不收（4xx），通常会自行恢复；持续一小时以上请联系邮件管理员。"),
    (
        "拒绝了这封邮件",
        "核对收件地址是否存在、发件地址（DUBAN_SMTP_FROM）是否允许使用；若被判为垃圾邮件请联系邮件管理员。",
    ),
    ("超时", "检查网络；对方长时间不应答时，正式提醒会自动重试。"),
)


def advice_for(error: str) -> str:
    """What an administrator should do about a delivery error, in one sentence."""
    return next((text for word, text in ADVICE if word in error), "查看错误原因，修正频道配置。")


@dataclass(frozen=True)
class AdminRoute:
    """Where administrator alerts go: a channel row, or none (the admin notifier of the app)."""

    channel_id: int | None = None
    channel_code: str = "admin"


def queue_admin_alert(
    session: Session,
    failed: Delivery,
    channel_name: str,
    error: str,
    route: AdminRoute,
    now: datetime,
    *,
    stopped: bool = True,
) -> Delivery | None:
    """Add the admin row for ``failed`` (in the caller's transaction); None if it needs none.

    ``stopped``: the row is dead; otherwise it keeps failing and is still being retried (said once).
    """
    if failed.kind == ADMIN_KIND:
        log.critical("管理员告警本身发送失败，不再转发：%s", error)
        return None
    dedup = f"admin/{'dead' if stopped else 'failing'}/{failed.id}"
    if outbox.is_queued(session, dedup_key=dedup):
        return None
    advice = advice_for(error)
    body = render_template(
        "admin_alert.txt.j2",
        channel_name=channel_name,
        channel_code=failed.channel_code,
        subject=failed.subject,
        created_at=f"{failed.created_at.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}",
        attempts=failed.attempts,
        error=error,
        advice=advice,
        delivery_id=failed.id,
        stopped=stopped,
    )
    alert = outbox.queue_delivery(
        session,
        dedup_key=dedup,
        project_id=failed.project_id,
        channel_id=route.channel_id,
        channel_code=route.channel_code,
        subject=SUBJECT if stopped else FAILING_SUBJECT,
        body=body,
        text_body=body,
        kind=ADMIN_KIND,
        created_at=now,
        next_attempt_at=now,
    )
    what = "无法送达" if stopped else f"已连续失败 {failed.attempts} 次"
    log.error("频道 %s 的消息 %s %s，已通知管理员：%s", failed.channel_code, failed.id, what, error)
    return alert
