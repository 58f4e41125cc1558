"""The explicit table of channel kinds. A plan's ``channels[].kind`` must name one of these.

==================  ==========  ===========================================================
kind                format      settings (required first)
==================  ==========  ===========================================================
``wecom_robot``     markdown    ``webhook_key``
``wecom_app``       markdown    ``agent_id``, ``corp_id``, ``secret`` (all optional)
``email``           html        ``to``, ``to_name`` (both optional)
==================  ==========  ===========================================================

A kind's *format* is how messages for its channels are written: ``markdown`` (WeCom), ``html``
with a plain-text alternative (email) or ``text``. Adding a kind is one module (the notifier and
a builder taking a :class:`~notifiers.factory.ChannelSetup`) plus one line in
:data:`SHIPPED`; its Chinese name, if it has one, goes in :mod:`domain.labels`. The
plan importer is handed :attr:`ChannelRegistry.kinds`, so a kind missing here is refused at
import, with the file, line and field, never guessed at send time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from domain.errors import ConfigurationError
from domain.labels import channel_kind_label
from notifiers import factory
from notifiers.base import Format, Notifier
from notifiers.factory import ChannelSetup

Builder = Callable[[ChannelSetup], Notifier]
FormatOf = Callable[[str], Format]


@dataclass(frozen=True)
class ChannelKind:
    """One channel kind: how to build its notifier, how its messages are written, what it reads."""

    kind: str
    build: Builder
    format: Format
    required: tuple[str, ...] = ()  # settings without which the channel cannot send
    optional: tuple[str, ...] = ()
    # A channel of this kind with one member reaches that person alone (an application message,
    # an email), not a group everyone reads: only such a reminder may carry a reply link.
    personal: bool = False

    @property
    def settings(self) -> tuple[str, ...]:
        return self.required + self.optional


class ChannelRegistry:
    """Channel kinds by name; registering a kind twice is a programming error, refused."""

    def __init__(self) -> None:
        self._specs: dict[str, ChannelKind] = {}

    def register(self, spec: ChannelKind) -> None:
        if spec.kind in self._specs:
            raise ConfigurationError(f"频道类型 {spec.kind} 重复注册")
        self._specs[spec.kind] = spec

    def spec(self, kind: str) -> ChannelKind:
        """The kind's entry; an unknown kind is a :class:`ConfigurationError`, never a fallback."""
        try:
            return self._specs[kind]
        except KeyError:
            known = "、".join(self.kinds)
            raise ConfigurationError(f"不认识的频道类型 {kind}（可用：{known}）") from None

    def format_of(self, kind: str) -> Format:
        return self.spec(kind).format

    def personal(self, kind: str) -> bool:
        return self.spec(kind).personal

    def build(self, kind: str, setup: ChannelSetup) -> Notifier:
        """The live notifier for one channel of ``kind``; a missing required setting is named."""
        spec = self.spec(kind)
        for name in spec.required:
            if not setup.setting(name):
                label = channel_kind_label(kind)
                raise ConfigurationError(f"频道 {setup.code}（{label}）没有设置 {name}")
        return spec.build(setup)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._specs)


SHIPPED = (
    ChannelKind("wecom_robot", factory.wecom_robot, Format.MARKDOWN, required=("webhook_key",)),
    ChannelKind(
        "wecom_app",
        factory.wecom_app,
        Format.MARKDOWN,
        optional=("agent_id", "corp_id", "secret"),
        personal=True,
    ),
    ChannelKind("email", factory.email, Format.HTML, optional=("to", "to_name"), personal=True),
)


def default_channels() -> ChannelRegistry:
    """A registry of the kinds duban ships (:data:`SHIPPED`, one line each)."""
    registry = ChannelRegistry()
    for kind in SHIPPED:
        registry.register(kind)
    return registry


@cache
def builtin_channels() -> ChannelRegistry:
    """The shipped kinds, built once: the default for jobs that are not handed a registry."""
    return default_channels()


def builtin_format(kind: str) -> Format:
    return builtin_channels().format_of(kind)
