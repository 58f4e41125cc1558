"""The 销号 loop's world: 偏关 with 高权 reminded on a channel of his own, and files to upload."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date
from pathlib import Path

from sqlmodel import select

from bot.settings import Settings
from bot.wiring import App
from db.engine import session_scope
from db.models import Delivery
from jobs.cycle import run_evaluate
from jobs.import_plans import import_files
from tests.conftest import EXAMPLES

AS_OF = date(2023, 10, 12)  # the plan's issue day: 问题1 (高权 alone) is due on 10-15
PUBLIC_URL = "https://duban.example.gov.cn"
PERSONAL = "gaoquan"  # 高权's own email channel
TOKEN = re.compile(re.escape(PUBLIC_URL) + r"/r/([A-Za-z0-9_-]+)")


def make_app(tmp_path: Path, database: str | None, **more: object) -> App:
    settings = Settings(data_dir=tmp_path / "data", database_url=database, public_url=PUBLIC_URL, **more)  # type: ignore[arg-type]
    app = App.build(settings, {})
    app.init_database()
    return app


def county(app: App, tmp_path: Path) -> App:
    """偏关 imported with the work group reduced to 王雪 and 高权 given an email channel of his own,
    then evaluated once as of 2023-10-12 (at the real time, as the service would)."""
    text = (EXAMPLES / "pianguan.yaml").read_text(encoding="utf-8")
    own = (
        "    members: [王雪]\n"
        "    settings:\n"
        "      webhook_key: ${DUBAN_WECOM_KEY_PIANGUAN}\n"
        f"  - code: {PERSONAL}\n"
        "    kind: email\n"
        "    name: 高权\n"
        "    members: [高权]\n"
    )
    changed = text.replace(
        "    members: [高权, 王雪]\n    settings:\n      webhook_key: ${DUBAN_WECOM_KEY_PIANGUAN}\n", own
    )
    assert changed != text
    plan = tmp_path / "pianguan.yaml"
    plan.write_text(changed, encoding="utf-8")
    import_files(app.engine, [plan])
    run_evaluate(app, as_of=AS_OF, now=app.clock(), project="pianguan")
    return app


def queued(app: App, channel: str | None = None) -> list[Delivery]:
    with session_scope(app.engine) as session:
        rows = session.exec(select(Delivery).order_by(Delivery.id)).all()
    return [d for d in rows if channel is None or d.channel_code == channel]


def reply_token(app: App) -> str:
    """The token of the reply link in 高权's reminder."""
    bodies = [d.body for d in queued(app, PERSONAL)]
    found = [m.group(1) for body in bodies for m in TOKEN.finditer(body)]
    assert found, "the reminder to 高权 carries his reply link"
    return found[-1]


def png(width: int = 4, height: int = 4) -> bytes:
    """A real PNG image, grey."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
