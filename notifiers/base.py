"""The notifier contract: a frozen :class:`Message` in, accepted or a :class:`DeliveryError` out.

Class attributes state what a service is (largest message in bytes, messages per minute); the
delivery job reads them to split and pace. A notifier sends; it does not decide what or when.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum


class Format(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"


@dataclass(frozen=True)
class Message:
    delivery_id: int
    channel: str  # channel code
    channel_name: str
    subject: str
    body: str
    format: Format
    mentions: tuple[str, ...] = ()  # persons to @ (names; the channel resolves mobiles/userids)


class Notifier(ABC):
    max_bytes: int | None = None
    per_minute: int | None = None

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise :class:`bot.errors.DeliveryError` (with ``retryable``)."""
