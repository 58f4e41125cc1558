"""A made-up channel kind, ``pager``: plain text to a pager number, kept in a list instead of sent.

It shows what adding a channel kind takes: this module (a notifier and its builder) and one line
in a registry, ``registry.register(pager.kind(sent))``. Nothing in the core, the store, the plan
schema or the jobs names it.
"""

from __future__ import annotations

from domain.errors import ConfigurationError
from notifiers.base import Format, Message, Notifier, Part
from notifiers.factory import ChannelSetup
from notifiers.registry import ChannelKind

MAX_BYTES = 1024


class PagerNotifier(Notifier):
    max_bytes = MAX_BYTES

    def __init__(self, *, channel: str, number: str, sent: list[tuple[str, Message]]) -> None:
        if not number.isdigit():
            raise ConfigurationError(f"频道 {channel} 的 number 应为数字")
        self.channel, self.number, self.sent = channel, number, sent

    def send_part(self, message: Message, part: Part) -> str | None:
        self.sent.append((self.number, message))
        return None


def kind(sent: list[tuple[str, Message]]) -> ChannelKind:
    """The registry line's entry; every message any pager channel sends is appended to ``sent``."""

    def build(setup: ChannelSetup) -> PagerNotifier:
        return PagerNotifier(channel=setup.code, number=setup.setting("number") or "", sent=sent)

    return ChannelKind("pager", build, Format.TEXT, required=("number",))
