"""The routing's channels are read in two statements, however many channels a province has."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from db.channels import load_channels
from tests.scenario_world import import_example, make_app


def test_channels_and_their_members_come_in_two_statements(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    import_example(app, "pianguan.yaml")
    statements: list[str] = []

    def executed(*args: object) -> None:
        statements.append(str(args[2]))

    with Session(app.engine) as session:
        session.connection()  # the connection's own setup is not the routing's
        event.listen(app.engine, "before_cursor_execute", executed)
        try:
            channels = load_channels(session, ["pianguan"])
        finally:
            event.remove(app.engine, "before_cursor_execute", executed)
    assert len(channels) >= 2 and any(c.members for c in channels)
    assert len(statements) == 2, statements
    members = {c.code: [m.name for m in c.members] for c in channels}
    assert all(names == sorted(names) for names in members.values())  # by name, as before
