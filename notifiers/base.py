"""The notifier contract: a frozen :class:`Message` in, accepted or a :class:`DeliveryError` out.

Class attributes state what a service is (largest message in bytes, messages per minute). A
message goes out as one or more :class:`Part` — one request each — and :meth:`Notifier.parts`
always cuts the same message the same way, so the delivery job can record how many parts the
channel accepted and, after a crash or a failure, resume with the next one. A notifier sends; it
does not decide what, when, or how fast (the delivery job paces by ``per_minute``).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from domain.errors import DeliveryError
from domain.secrets import mask


class Format(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data: bytes = field(repr=False)
    inline_id: str | None = None  # cid the HTML refers to; WeCom gets such an image as an image message

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class Message:
    delivery_id: int
    channel: str  # channel code
    channel_name: str
    subject: str
    body: str
    format: Format
    mentions: tuple[str, ...] = ()  # persons to @ (names; the channel resolves mobiles/userids)
    text: str | None = None  # plain-text alternative of an HTML body
    attachments: tuple[Attachment, ...] = ()
    kind: str = "digest"
    # What makes this message unique beyond its outbox row id (which restarts at 1 when the
    # database is rebuilt): a digest of the row's dedup key and creation time. Empty for a
    # message that has no outbox row (a test message).
    uid: str = ""


@dataclass(frozen=True)
class Part:
    """One request to the channel. ``note`` is reported with the part once it is accepted."""

    index: int
    total: int
    kind: str  # markdown | text | image | email | file
    content: str = ""
    data: bytes = field(default=b"", repr=False)
    mentioned_userids: tuple[str, ...] = ()
    mentioned_mobiles: tuple[str, ...] = ()
    note: str | None = None


class Notifier(ABC):
    """Base of every channel. Subclasses validate their settings in ``__init__`` and send parts."""

    max_bytes: ClassVar[int | None] = None
    per_minute: ClassVar[int | None] = None
    channel: str = ""

    @property
    def rate_key(self) -> str | None:
        """Who the ``per_minute`` limit is counted for (a hash, never a secret); None: no limit."""
        return None

    def secrets(self) -> Sequence[str]:
        """Values that must never appear in an error or a log line."""
        return ()

    def parts(self, message: Message) -> list[Part]:
        """The requests that deliver ``message``; the same message always gives the same parts."""
        return [Part(0, 1, "whole", message.body)]

    @abstractmethod
    def send_part(self, message: Message, part: Part) -> str | None:
        """Send one part; return a note worth keeping (or None); raise :class:`DeliveryError`."""

    def send(self, message: Message) -> list[str]:
        """Send every part at once, without pacing (the console); each distinct note once."""
        notes = [note for part in self.parts(message) if (note := self.send_part(message, part))]
        return list(dict.fromkeys(notes))

    def fail(self, problem: str, *, retryable: bool) -> DeliveryError:
        """A delivery error for this channel, with every secret masked out of its text."""
        return DeliveryError(self.channel, mask(problem, list(self.secrets())), retryable=retryable)

    def __repr__(self) -> str:
        # Never print settings: they hold keys. The channel code is enough to tell notifiers apart.
        return f"<{type(self).__name__} {self.channel}>"


def rate_key_of(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
