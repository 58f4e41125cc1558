"""What the sender sends for an outbox row: the :class:`Message` its channel's notifier takes.

The format follows the channel's kind (the channel registry's), administrator alerts and test
messages go as plain text, attachments are read from their files, and the row's uid makes a
resent email keep its Message-ID.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from db.models import Channel, Delivery
from domain.errors import DeliveryError
from jobs.admin_alert import ADMIN_KIND
from notifiers.base import Attachment, Format, Message
from notifiers.registry import FormatOf, builtin_format

NOTE_SEPARATOR = "；"


def message_of(delivery: Delivery, channel: Channel | None, formats: FormatOf = builtin_format) -> Message:
    """The message for ``delivery`` on ``channel`` (None: the administrator's own notifier)."""
    kind_format = formats(channel.kind) if channel is not None else None
    if delivery.kind == ADMIN_KIND or delivery.kind == "test":
        # Written as plain text: markdown channels take it as it is; the others send it as text.
        fmt = Format.MARKDOWN if kind_format is Format.MARKDOWN else Format.TEXT
    else:
        fmt = kind_format or Format.MARKDOWN
    return Message(
        delivery_id=delivery.id or 0,
        channel=delivery.channel_code,
        channel_name=channel.name if channel else delivery.channel_code,
        subject=delivery.subject,
        body=delivery.body,
        format=fmt,
        mentions=tuple(delivery.mentions),
        text=delivery.text_body,
        attachments=tuple(attachment_of(a) for a in delivery.attachments),
        kind=delivery.kind,
        uid=message_uid(delivery),
    )


def message_uid(delivery: Delivery) -> str:
    """Stable for one row (a resend keeps its Message-ID), different for a row of a rebuilt database."""
    seed = f"{delivery.dedup_key}|{delivery.created_at.isoformat()}"
    return hashlib.sha256(seed.encode()).hexdigest()[:12]


def attachment_of(spec: dict[str, str]) -> Attachment:
    """An attachment as the row lists it, read from its file; a file gone is a permanent failure."""
    path = Path(spec["path"])
    try:
        data = path.read_bytes()
    except OSError:
        problem = f"附件文件 {path} 不见了"
        raise DeliveryError(spec.get("filename", path.name), problem, retryable=False) from None
    filename = spec.get("filename", path.name)
    return Attachment(filename, spec["content_type"], data, spec.get("inline_id") or None)


def with_note(notes: str | None, note: str) -> str:
    """``notes`` with ``note`` added once: every part of a long message may report the same thing
    (the same unknown accounts), and the delivery says it once, not once per part."""
    if not notes:
        return note
    sep = NOTE_SEPARATOR
    return notes if f"{sep}{note}{sep}" in f"{sep}{notes}{sep}" else f"{notes}{sep}{note}"
