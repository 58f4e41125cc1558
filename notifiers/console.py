"""The console-and-file notifier: what the demo and a channel-less setup use.

Every message is written to the outbox folder (``.md`` for WeCom, ``.html`` for email, readable
in a browser as the email preview) and echoed to the console.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from notifiers.base import Format, Message, Notifier, Part

SUFFIX = {Format.MARKDOWN: ".md", Format.HTML: ".html", Format.TEXT: ".txt"}


class ConsoleFileNotifier(Notifier):
    def __init__(
        self,
        outbox: Path,
        write: Callable[[Path, bytes], object],
        echo: Callable[[Message, Path], None] | None = None,
    ) -> None:
        """``write`` stores a file whole or not at all (the store's atomic writer)."""
        self.outbox = outbox
        self.write = write
        self.echo = echo

    def path_for(self, message: Message) -> Path:
        return self.outbox / f"{message.delivery_id:06d}-{message.channel}{SUFFIX[message.format]}"

    def send_part(self, message: Message, part: Part) -> str | None:
        path = self.path_for(message)
        self.write(path, message.body.encode("utf-8"))
        for attachment in message.attachments:
            self.write(path.with_name(f"{path.stem}-{attachment.filename}"), attachment.data)
        if self.echo is not None:
            self.echo(message, path)
        return None
