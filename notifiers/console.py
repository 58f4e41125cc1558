"""The console-and-file notifier: what the demo and a channel-less setup use.

Every message is written to the outbox folder (``.md`` for WeCom, ``.html`` for email, readable
in a browser as the email preview) and echoed to the console.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from db.evidence import write_atomically
from notifiers.base import Format, Message, Notifier, Part

SUFFIX = {Format.MARKDOWN: ".md", Format.HTML: ".html", Format.TEXT: ".txt"}


class ConsoleFileNotifier(Notifier):
    def __init__(self, outbox: Path, echo: Callable[[Message, Path], None] | None = None) -> None:
        self.outbox = outbox
        self.echo = echo

    def path_for(self, message: Message) -> Path:
        return self.outbox / f"{message.delivery_id:06d}-{message.channel}{SUFFIX[message.format]}"

    def send_part(self, message: Message, part: Part) -> str | None:
        path = self.path_for(message)
        write_atomically(path, message.body.encode("utf-8"))
        for attachment in message.attachments:
            write_atomically(path.with_name(f"{path.stem}-{attachment.filename}"), attachment.data)
        if self.echo is not None:
            self.echo(message, path)
        return None
