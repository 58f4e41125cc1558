"""What the WeCom API answers, and whether to try again: shared by the robot and the app.

WeCom answers HTTP 200 even when it refused the message; the verdict is ``errcode`` in the JSON.
Retry policy is data: the codes in :data:`RETRYABLE` and every network failure, 5xx or 429 are
tried again later; every other code is permanent, with the reason an administrator needs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import requests

from domain.errors import DeliveryError

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
RATE_LIMITED = 45009
TOKEN_EXPIRED = frozenset({40001, 40014, 42001})  # invalid credential / invalid token / expired

RETRYABLE: dict[int, str] = {
    -1: "企业微信系统繁忙",
    RATE_LIMITED: "发送太频繁，被企业微信限流（每个群机器人每分钟最多 20 条）",
    45033: "接口并发调用超过限制",
}
EXPLAINED: dict[int, str] = {
    93000: "群机器人的 webhook key 无效：机器人可能已被移出群或被删除，请在群里重新添加机器人并更新密钥",
    40058: "消息内容超过长度限制",
    40008: "消息类型不合法",
    40013: "企业 ID（corpid）不正确",
    40056: "应用 agentid 不正确",
    40001: "应用的 secret 不正确（或已被重置）",
    60020: (
        "本机出口 IP 不在企业微信应用的“企业可信IP”中。请在企业微信管理后台 → 应用管理 → 本应用 → "
        "企业可信IP 里加入服务器的出口 IP，然后重试"
    ),
    81013: "接收人全部无效：userid 不存在或不在应用的可见范围内",
    82001: "指定的接收人不在应用的可见范围内",
    301019: "图片内容校验失败（md5 不一致）",
}

Send = Callable[[], requests.Response]
SECRET_QUERY = re.compile(r"((?:key|access_token|corpsecret|secret)=)[^&\s'\"]+", re.IGNORECASE)


def post_json(
    session: requests.Session, url: str, payload: dict[str, Any], timeout: float, fail: FailFn
) -> dict[str, Any]:
    return read_reply(lambda: session.post(url, json=payload, timeout=timeout), fail)


def get_json(session: requests.Session, url: str, timeout: float, fail: FailFn) -> dict[str, Any]:
    return read_reply(lambda: session.get(url, timeout=timeout), fail)


FailFn = Callable[..., DeliveryError]


def read_reply(send: Send, fail: FailFn) -> dict[str, Any]:
    """Do the request; return the JSON reply (any errcode); raise on transport or HTTP failure."""
    try:
        response = send()
    except requests.Timeout:
        raise fail("企业微信接口在限定时间内没有应答（超时）", retryable=True) from None
    except requests.ConnectionError as exc:
        raise fail(f"连不上企业微信接口：{redact(_root(exc))}", retryable=True) from None
    except requests.RequestException as exc:
        raise fail(f"请求企业微信接口出错：{redact(_root(exc))}", retryable=True) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise fail(f"企业微信接口返回 HTTP {response.status_code}", retryable=True)
    if response.status_code != 200:
        raise fail(f"企业微信接口返回 HTTP {response.status_code}（地址或代理设置可能不对）", retryable=False)
    try:
        reply = response.json()
    except ValueError:
        raise fail("企业微信接口的应答不是 JSON（可能被代理拦截）", retryable=True) from None
    if not isinstance(reply, dict) or "errcode" not in reply:
        raise fail("企业微信接口的应答缺少 errcode", retryable=True)
    return reply


def check(reply: dict[str, Any], fail: FailFn) -> None:
    """Raise for a non-zero ``errcode``: retryable or permanent, with the reason in Chinese."""
    code = int(reply.get("errcode", 0))
    if code == 0:
        return
    errmsg = redact(str(reply.get("errmsg", "")))[:200]
    if code in RETRYABLE:
        raise fail(f"{RETRYABLE[code]}（errcode {code}）", retryable=True)
    reason = EXPLAINED.get(code, "企业微信拒绝了这条消息")
    raise fail(f"{reason}（errcode {code}：{errmsg}）", retryable=False)


def redact(text: str) -> str:
    """Hide secrets carried in URLs (``key=…``, ``access_token=…``) before text reaches a log."""
    return SECRET_QUERY.sub(r"\1***", text)


def _root(exc: BaseException) -> str:
    """The innermost cause, which says "Connection refused" rather than a pool's retry summary."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


class RedactFilter(logging.Filter):
    """Masks secrets in URLs that urllib3 logs at DEBUG level ("POST /…/send?key=…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def guard_transport_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactFilter) for f in logger.filters):
        logger.addFilter(RedactFilter())
