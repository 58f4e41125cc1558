"""WeCom group robot (群机器人): a webhook with a key posts into one group chat.

What the API allows, and so how a digest goes out:

* ``markdown`` (at most 4096 bytes UTF-8) carries the digest, split at line boundaries into as many
  parts as needed, each marked "1/3", "2/3"…; a markdown message can @ someone only inline, as
  ``<@userid>``.
* ``text`` (at most 2048 bytes) is the only type with ``mentioned_mobile_list`` /
  ``mentioned_list``. So when every person to @ has a WeCom userid, the last markdown part ends
  with their ``<@userid>``; when someone is known only by mobile, the digest's closing lines (as
  many as fit 2048 bytes, markdown signs removed) go as a ``text`` that @s everyone by userid or
  mobile — the pair costs an extra message only when the last markdown part would be over half
  full. (``markdown_v2`` cannot @ at all; it is not used.)
* ``image`` (base64 + md5, at most 2 MB) carries a summary's chart.
* 20 messages a minute per robot, failed ones included: the delivery job paces by ``rate_key``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import requests

from domain.errors import ConfigurationError
from notifiers.base import Format, Message, Notifier, Part, rate_key_of
from notifiers.split import split_text, utf8_len
from notifiers.wecom import DEFAULT_API_BASE, check, guard_transport_logs, post_json

TEXT_MAX_BYTES = 2048
IMAGE_MAX_BYTES = 2 * 1024 * 1024
MARK_RESERVE = 64  # bytes kept free in every part for the "（续 2/3）" markers


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str | None = None
    wecom_userid: str | None = None


class WeComRobotNotifier(Notifier):
    max_bytes = 4096
    per_minute = 20

    def __init__(
        self,
        *,
        channel: str,
        webhook_key: str,
        contacts: Mapping[str, Contact] | None = None,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 15.0,
        session: requests.Session | None = None,
    ) -> None:
        key = webhook_key.strip()
        if not key or any(ch.isspace() or ch in "/?&=" for ch in key):
            raise ConfigurationError(
                f"频道 {channel} 的群机器人 webhook_key 为空或格式不对（应是 key= 后面那一段）"
            )
        self.channel = channel
        self._key = key
        self.contacts = dict(contacts or {})
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        guard_transport_logs()

    @property
    def rate_key(self) -> str:
        return rate_key_of("wecom_robot", self.api_base, self._key)

    def secrets(self) -> Sequence[str]:
        return (self._key,)

    def parts(self, message: Message) -> list[Part]:
        if message.format is Format.HTML:
            raise self.fail("群机器人不能发送 HTML 正文（这条消息是按邮件生成的）", retryable=False)
        userids, mobiles, unreachable = self._mentions(message.mentions)
        if mobiles:
            pieces, tail = self._with_text_tail(message.body)
        else:
            suffix = "\n" + " ".join(f"<@{u}>" for u in userids) if userids else ""
            pieces, tail = split_text(message.body, self.max_bytes - MARK_RESERVE - utf8_len(suffix)), None
            pieces[-1] += suffix
        total = len(pieces) + (1 if mobiles else 0)
        kinds: list[tuple[str, str, bytes]] = [
            ("markdown", _marked(p, i, total), b"") for i, p in enumerate(pieces)
        ]
        if mobiles:
            text = (
                _plain(_marked(tail, total - 1, total))
                if tail
                else _mention_text(message.mentions, unreachable)
            )
            kinds.append(("text", text, b""))
        for attachment in message.attachments:
            if attachment.is_image and attachment.content_type in ("image/png", "image/jpeg"):
                kinds.append(("image", attachment.filename, attachment.data))
        note = f"无法 @：{'、'.join(unreachable)}（没有手机号或企业微信账号）" if unreachable else None
        n = len(kinds)
        return [
            Part(
                i,
                n,
                kind,
                content,
                data,
                mentioned_userids=tuple(userids) if kind == "text" else (),
                mentioned_mobiles=tuple(mobiles) if kind == "text" else (),
                note=note if i == n - 1 else None,
            )
            for i, (kind, content, data) in enumerate(kinds)
        ]

    def _with_text_tail(self, body: str) -> tuple[list[str], str | None]:
        """Markdown pieces and the tail that goes as the ``text`` carrying the @mobile mentions.

        The tail is the largest run of final lines that fits a text message, so the mentions cost
        no extra message unless the last markdown piece is more than half full.
        """
        pieces = split_text(body, self.max_bytes - MARK_RESERVE)
        lines = pieces[-1].split("\n")
        size, start = 0, len(lines)
        while start > 0 and size + utf8_len(_plain(lines[start - 1])) + 1 <= TEXT_MAX_BYTES - MARK_RESERVE:
            start -= 1
            size += utf8_len(_plain(lines[start])) + 1
        if start == len(lines):
            return pieces, None  # not even one line fits: a short mention text follows instead
        head = "\n".join(lines[:start]).strip("\n")
        return [*pieces[:-1], *([head] if head.strip() else [])], "\n".join(lines[start:])

    def send_part(self, message: Message, part: Part) -> str | None:
        reply = post_json(self.session, self._url(), self._payload(part), self.timeout, self.fail)
        check(reply, self.fail)
        return part.note

    def _url(self) -> str:
        return f"{self.api_base}/cgi-bin/webhook/send?key={self._key}"

    def _payload(self, part: Part) -> dict[str, object]:
        if part.kind == "markdown":
            return {"msgtype": "markdown", "markdown": {"content": part.content}}
        if part.kind == "text":
            text: dict[str, object] = {"content": part.content}
            if part.mentioned_userids:
                text["mentioned_list"] = list(part.mentioned_userids)
            if part.mentioned_mobiles:
                text["mentioned_mobile_list"] = list(part.mentioned_mobiles)
            return {"msgtype": "text", "text": text}
        if part.kind == "image":
            if len(part.data) > IMAGE_MAX_BYTES:
                raise self.fail(f"图片 {part.content} 超过 2 MB，群机器人不能发送", retryable=False)
            return {
                "msgtype": "image",
                "image": {
                    "base64": base64.b64encode(part.data).decode("ascii"),
                    "md5": hashlib.md5(part.data).hexdigest(),
                },
            }
        raise self.fail(f"群机器人不支持的消息部分：{part.kind}", retryable=False)

    def _mentions(self, names: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
        """Userids, mobiles (of those without a userid), and names that cannot be @-ed."""
        userids, mobiles, unreachable = [], [], []
        for name in names:
            contact = self.contacts.get(name)
            if contact and contact.wecom_userid:
                userids.append(contact.wecom_userid)
            elif contact and contact.mobile:
                mobiles.append(contact.mobile)
            else:
                unreachable.append(name)
        return userids, mobiles, unreachable


def _marked(piece: str, index: int, total: int) -> str:
    if total == 1:
        return piece
    head = f"> 接上条（{index + 1}/{total}）\n" if index else ""
    tail = f"\n> 未完，见下一条（{index + 1}/{total}）" if index < total - 1 else ""
    return head + piece + tail


def _plain(markdown: str) -> str:
    """Markdown as a text message shows it: without bold markers, heading and quote signs."""
    lines = [re.sub(r"^(#{1,6} |> ?)", "", line).replace("**", "") for line in markdown.split("\n")]
    return "\n".join(lines)


def _mention_text(names: Sequence[str], unreachable: Sequence[str]) -> str:
    reachable = [n for n in names if n not in unreachable]
    text = f"请 {'、'.join(reachable)} 查看上面的督办提醒，按时限落实。"
    return text if utf8_len(text) <= TEXT_MAX_BYTES else "请以上督办提醒涉及的各位责任人查看并按时限落实。"
