"""Scraped and imported text is shown, never obeyed: in WeCom markdown, HTML email, mail headers and
the web page.

Markdown injection, for duban, means untrusted text (a problem, a name, a unit, a server's error)
that changes the message around it: a line of its own posing as a heading or quote, a link, an
@mention (``<@all>``), a ``<font>`` colour, or bold/code left open. See notifiers/escape.py.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import office_morning
from bot.web.users import save_user
from bot.wiring import App
from jobs.cycle import run_cycle
from jobs.import_plans import import_files
from notifiers.base import Format, Message
from notifiers.email import EmailNotifier, Recipient, SmtpConfig
from notifiers.escape import markdown_text
from tests.fakes.smtp_server import smtp_server
from tests.webkit import STAFF, logged_in, serving

# Each short enough to be shown whole (a problem is cut at 60 characters in a digest line).
HOSTILE = [
    "实施方案未报备<script>alert(1)</script><img src=x onerror=alert(2)>",
    "台账不全\n## 假标题\n> 假引用 [点此处理](http://evil.example) <@all>",
    '站点未挂牌<font color="warning">紧急</font> **加粗 `代码',
]
PLAN = """\
project: {{code: evil, name: "测试县<b>乡村e镇</b>", county: 测试县}}
people:
  - {{name: "高权<img/src=x/onerror=alert(3)>", email: gaoquan@example.com}}
channels:
  - {{code: work, kind: wecom_robot, name: 工作群, members: ["高权<img/src=x/onerror=alert(3)>"],
     settings: {{webhook_key: "${{EVIL_KEY}}"}}}}
  - {{code: leaders, kind: email, name: 领导小组, members: ["高权<img/src=x/onerror=alert(3)>"]}}
rectification:
  year: 2023
  items:
{items}"""
ITEM = """\
    - number: {number}
      problem: {problem}
      units: "县商务局\\n## 单位标题"
      persons: "高权<img/src=x/onerror=alert(3)>"
      deadline: 2023年10月10日
"""
AS_OF = date(2023, 10, 12)


@pytest.fixture
def hostile(app: App, tmp_path: Path) -> App:
    plan = tmp_path / "evil.yaml"
    items = "".join(ITEM.format(number=n, problem=_yaml_string(text)) for n, text in enumerate(HOSTILE, 1))
    plan.write_text(PLAN.format(items=items), encoding="utf-8")
    import_files(app.engine, [plan])
    run_cycle(app, as_of=AS_OF, now=office_morning(AS_OF), trigger="manual", collect_first=False)
    return app


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def outbox(app: App, suffix: str) -> str:
    [text] = [p.read_text(encoding="utf-8") for p in app.settings.outbox_dir.glob(f"*{suffix}")]
    return text


def test_markdown_digest_shows_hostile_text_without_obeying_it(hostile: App) -> None:
    markdown = outbox(hostile, ".md")
    assert all(word in markdown for word in ("实施方案未报备", "台账不全", "站点未挂牌"))
    lines = markdown.splitlines()
    assert sum(line.startswith("#") for line in lines) == 1  # only duban's own title
    assert not any(line.startswith(">") and "假引用" in line for line in lines)
    assert "[点此处理](" not in markdown and "<@all>" not in markdown and "<font" not in markdown
    assert "<script>" not in markdown and "<img" not in markdown
    assert markdown.count("**") % 2 == 0 and "`" not in markdown
    assert "＜@all＞" in markdown and "［点此处理］" in markdown  # shown, in full-width forms


def test_html_email_escapes_hostile_text(hostile: App) -> None:
    html = outbox(hostile, ".html")
    assert all(word in html for word in ("实施方案未报备", "台账不全", "站点未挂牌"))
    assert "<script>" not in html and "<img/src" not in html and "<b>乡村" not in html
    assert "<font" not in html and "&lt;font" in html
    assert "&lt;script&gt;" in html and "&lt;img/src=x/onerror=alert(3)&gt;" in html


def test_the_web_page_escapes_hostile_text(hostile: App) -> None:
    save_user(hostile.engine, username=STAFF[0], password=STAFF[1], display_name=STAFF[2])
    with serving(hostile) as base:
        page = logged_in(base).get(f"{base}/p/evil", timeout=10).text
    assert "实施方案未报备" in page
    assert "<script>alert" not in page and "<img" not in page and "<b>乡村" not in page
    assert "&lt;script&gt;" in page


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_markdown_text_is_one_inert_line(text: str) -> None:
    shown = markdown_text(text)
    assert "\n" not in shown and "\r" not in shown
    assert not set(shown) & set("<>[]*`#")
    assert re.sub(r"\s+", "", shown) == re.sub(r"\s+", "", markdown_text(shown))  # idempotent


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("提醒\r\nBcc: evil@example.net", "张主任"),
        ("提醒", "张主任\r\nBcc: evil@example.net"),
        ("提醒\nX-Injected: yes\n\n正文被替换", "张主任\u2028Cc: evil@example.net"),
    ],
)
def test_crlf_in_subjects_and_names_cannot_add_headers(tmp_path: Path, subject: str, name: str) -> None:
    with smtp_server(tmp_path, security="none") as box:
        smtp = SmtpConfig(
            host="127.0.0.1", port=box.port, sender="duban@example.com", security="none", timeout=2
        )
        people = [Recipient(name, "zhang@example.com")]
        EmailNotifier(channel="leaders", smtp=smtp, recipients=people).send(
            Message(1, "leaders", "领导小组", subject, "<p>正文</p>", Format.HTML, text="正文")
        )
    (mail,) = box.received
    assert box.envelopes[0][1] == ["zhang@example.com"]
    assert mail["Bcc"] is None and mail["Cc"] is None and mail["X-Injected"] is None
    assert "\n" not in mail["Subject"] and mail["Subject"].startswith("提醒")
    assert "正文" in mail.get_body(("plain",)).get_content()
