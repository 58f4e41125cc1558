"""WeCom application messages (应用消息) to individual userids.

corpid + the app's secret give an access token (``gettoken``) that is cached until shortly before
its ``expires_in`` and fetched again when WeCom calls it invalid or expired (40001, 40014, 42001)
— then the part is sent once more with the new token. A reply with ``invaliduser`` is accepted
(the others got it) and the unknown userids are reported in the delivery's note. 60020 means the
server's IP is not in the app's trusted IPs (企业可信IP); the error says where to add it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

import requests

from domain.errors import ConfigurationError, DeliveryError
from notifiers.base import Format, Message, Notifier, Part, rate_key_of
from notifiers.split import split_text
from notifiers.wecom import DEFAULT_API_BASE, TOKEN_EXPIRED, check, get_json, guard_transport_logs, post_json

MAX_MARGIN = timedelta(minutes=5)  # refresh this long before expiry (at most a tenth of the lifetime)


@dataclass
class _Token:
    value: str
    expires_at: datetime


class TokenCache:
    """Access tokens by (API base, corpid, secret); one per app, shared by its notifiers."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = threading.Lock()
        self.fetched = 0  # how many times a token was fetched (tests, bench)

    def get(self, key: tuple[str, str, str], fetch: Callable[[], tuple[str, int]]) -> str:
        with self._lock:
            token = self._tokens.get(key)
            if token is None or self.clock() >= token.expires_at:
                value, expires_in = fetch()
                self.fetched += 1
                margin = min(MAX_MARGIN, timedelta(seconds=expires_in / 10))
                token = _Token(value, self.clock() + timedelta(seconds=expires_in) - margin)
                self._tokens[key] = token
            return token.value

    def drop(self, key: tuple[str, str, str], value: str) -> None:
        with self._lock:
            if (token := self._tokens.get(key)) is not None and token.value == value:
                del self._tokens[key]


class WeComAppNotifier(Notifier):
    max_bytes = 2048  # markdown and text content of an app message
    per_minute = 30  # per member per app; counted per app here, which is stricter

    def __init__(
        self,
        *,
        channel: str,
        corp_id: str,
        agent_id: str,
        secret: str,
        users: Sequence[str],
        tokens: TokenCache,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 15.0,
        session: requests.Session | None = None,
    ) -> None:
        if not corp_id or not secret:
            raise ConfigurationError(f"频道 {channel} 缺少企业微信 corp_id 或 secret")
        if not str(agent_id).isdigit():
            raise ConfigurationError(f"频道 {channel} 的 agent_id 应是应用的数字 AgentId，现在是“{agent_id}”")
        if not users:
            raise ConfigurationError(
                f"频道 {channel} 的成员都没有企业微信账号（wecom_userid），应用消息无人可发"
            )
        self.channel = channel
        self.corp_id, self.agent_id, self._secret = corp_id, int(agent_id), secret
        self.users = tuple(dict.fromkeys(users))
        self.tokens = tokens
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        guard_transport_logs()

    @property
    def rate_key(self) -> str:
        return rate_key_of("wecom_app", self.api_base, self.corp_id, str(self.agent_id))

    def secrets(self) -> Sequence[str]:
        return (self._secret, *(t.value for t in self.tokens._tokens.values()))

    def parts(self, message: Message) -> list[Part]:
        if message.format is Format.HTML:
            raise self.fail("应用消息不能发送 HTML 正文（这条消息是按邮件生成的）", retryable=False)
        pieces = split_text(message.body, self.max_bytes - 64)
        total = len(pieces)
        return [
            Part(i, total, "markdown", piece if total == 1 else f"{piece}\n> （{i + 1}/{total}）")
            for i, piece in enumerate(pieces)
        ]

    def send_part(self, message: Message, part: Part) -> str | None:
        payload = {
            "touser": "|".join(self.users),
            "msgtype": "markdown",
            "agentid": self.agent_id,
            "markdown": {"content": part.content},
        }
        for attempt in range(2):
            token = self.tokens.get(self._cache_key, self._fetch_token)
            url = f"{self.api_base}/cgi-bin/message/send?access_token={quote(token)}"
            reply = post_json(self.session, url, payload, self.timeout, self._fail_with(token))
            if int(reply.get("errcode", 0)) in TOKEN_EXPIRED and attempt == 0:
                self.tokens.drop(self._cache_key, token)  # expired in the middle: fetch anew, resend
                continue
            check(reply, self._fail_with(token))
            invalid = [u for u in str(reply.get("invaliduser") or "").split("|") if u]
            return (
                f"以下企业微信账号无效或不在应用可见范围内，未收到：{'、'.join(invalid)}" if invalid else None
            )
        raise self.fail("企业微信连续两次认为 access_token 无效", retryable=True)

    @property
    def _cache_key(self) -> tuple[str, str, str]:
        return (self.api_base, self.corp_id, rate_key_of(self._secret))

    def _fetch_token(self) -> tuple[str, int]:
        url = (
            f"{self.api_base}/cgi-bin/gettoken?corpid={quote(self.corp_id)}&corpsecret={quote(self._secret)}"
        )
        reply = get_json(self.session, url, self.timeout, self.fail)
        if int(reply.get("errcode", 0)) in TOKEN_EXPIRED:  # at gettoken, 40001 means a wrong secret
            raise self.fail(
                f"获取 access_token 失败：应用的 secret 不正确（errcode {reply['errcode']}）", retryable=False
            )
        check(reply, self.fail)
        if not reply.get("access_token"):
            raise self.fail("获取 access_token 失败：应答里没有 access_token", retryable=True)
        return str(reply["access_token"]), int(reply.get("expires_in", 7200))

    def _fail_with(self, token: str) -> Callable[..., DeliveryError]:
        def fail(problem: str, *, retryable: bool) -> DeliveryError:
            return self.fail(problem.replace(token, "***"), retryable=retryable)

        return fail
