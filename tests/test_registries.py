"""Channel and source kinds come from their registries: a made-up kind is one module and one
registry line, a kind registered twice is refused, and a plan naming an unknown kind is refused
at import with the file, the line and the field — never guessed at (an unknown channel kind used
to be sent as email)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.clock import office_morning, wall_clock
from bot.settings import Settings
from bot.wiring import App
from collectors.html import HtmlCollector
from collectors.registry import default_registry
from domain.errors import ConfigurationError, PlanFileError
from jobs.cycle import run_cycle
from jobs.import_plans import import_files
from notifiers.base import Format, Message
from notifiers.factory import ChannelSetup, LiveConfig
from notifiers.registry import ChannelKind, default_channels
from notifiers.wecom_app import TokenCache
from tests.fakes import pager
from tests.test_plan_import import MINIMAL

AS_OF = date(2023, 11, 6)  # a Monday after the item's 10月底 deadline: it is overdue
PAGER_PLAN = MINIMAL.replace("kind: wecom_robot", "kind: pager").replace(
    "webhook_key: ${DUBAN_WECOM_KEY_DEMO}", 'number: "${DEMO_PAGER}"'
)


def test_a_made_up_channel_kind_is_one_module_and_one_registry_line(tmp_path: Path) -> None:
    sent: list[tuple[str, Message]] = []
    channels = default_channels()
    channels.register(pager.kind(sent))  # the one line
    settings = Settings(data_dir=tmp_path / "data", delivery="live")
    app = App.build(settings, {"DEMO_PAGER": "8613800"})
    app.channels = channels
    app.init_database()
    plan = tmp_path / "pager.yaml"
    plan.write_text(PAGER_PLAN, encoding="utf-8")
    import_files(app.engine, [plan], kinds=app.plan_kinds)

    result = run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF), collect_first=False)

    assert result.delivered.sent == 1 and result.delivered.dead == 0
    [(number, message)] = sent
    assert number == "8613800" and message.channel == "work"
    assert message.format is Format.TEXT and message.text is None  # written as the kind says
    assert "实施方案未报备" in message.body
    assert "**" not in message.body and "<" not in message.body  # neither markdown nor HTML
    app.engine.dispose()


def test_the_shipped_registry_does_not_know_the_made_up_kind(app: App, tmp_path: Path) -> None:
    plan = tmp_path / "pager.yaml"
    plan.write_text(PAGER_PLAN, encoding="utf-8")
    with pytest.raises(PlanFileError) as raised:
        import_files(app.engine, [plan])
    assert raised.value.field == "channels.0.kind" and raised.value.line == 10


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        (
            MINIMAL.replace("kind: wecom_robot", "kind: wecom_robt"),
            10,
            "channels.0.kind",
            "不认识的频道类型 wecom_robt",
        ),
        (
            MINIMAL.replace("rectification:", "sources:\n  - code: portal\n    kind: htm\nrectification:"),
            17,
            "sources.0.kind",
            "不认识的数据源类型 htm",
        ),
    ],
    ids=["channel", "source"],
)
def test_an_unknown_kind_is_an_import_error_naming_file_line_and_field(
    app: App, tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    plan = tmp_path / "typo.yaml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError) as raised:
        import_files(app.engine, [plan], kinds=app.plan_kinds)
    error = raised.value
    assert (error.path, error.line, error.field) == (plan, line, field)
    assert words in str(error) and "可用：" in str(error)
    assert f"第 {line} 行" in str(error) and f"字段 {field}" in str(error)
    with app.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM project").scalar() == 0


def test_registering_a_kind_twice_is_refused() -> None:
    channels = default_channels()
    with pytest.raises(ConfigurationError, match="频道类型 email 重复注册"):
        channels.register(ChannelKind("email", pager.kind([]).build, Format.TEXT))
    sources = default_registry()
    with pytest.raises(ConfigurationError, match="采集器类型 html 重复注册"):
        sources.register("html", HtmlCollector)


def _setup(settings: dict[str, str]) -> ChannelSetup:
    return ChannelSetup("c1", settings, [], {}, LiveConfig(), {}, TokenCache(wall_clock))


def test_an_unknown_kind_is_never_sent_as_email() -> None:
    channels = default_channels()
    with pytest.raises(ConfigurationError, match="不认识的频道类型 fax"):
        channels.build("fax", _setup({"to": "a@example.com"}))
    with pytest.raises(ConfigurationError, match="不认识的频道类型 fax"):
        channels.format_of("fax")


def test_a_required_setting_is_named_with_the_kind_in_words() -> None:
    with pytest.raises(ConfigurationError, match=r"频道 c1（群机器人）没有设置 webhook_key"):
        default_channels().build("wecom_robot", _setup({}))
