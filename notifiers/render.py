"""One Jinja2 environment over ``notifiers/templates``: HTML autoescaped, undefined is an error."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.enums import Binding
from notifiers.digest import GROUPED_KINDS, Digest
from notifiers.escape import markdown_text, plain_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
WEEKDAYS = "一二三四五六日"


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def amount(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def names(persons: tuple[str, ...] | list[str]) -> str:
    return "、".join(persons)


def brief(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def binding(value: str) -> str:
    return "约束性" if value == Binding.BINDING.value else "期望性"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(cn_date=cn_date, amount=amount, names=names, brief=brief, binding=binding)
    env.filters["md"] = markdown_text  # untrusted text in markdown templates: see notifiers/escape.py
    env.filters["text"] = plain_text  # a lines.j2 macro's output, to be escaped by an HTML template
    return env


def subject_of(digest: Digest) -> str:
    return f"【督办提醒】{digest.project_name}：{digest.count} 项需关注（{digest.as_of:%Y-%m-%d}）"


def render_digest(digest: Digest, *, html: bool = False, text: bool = False) -> str:
    """The digest as markdown (WeCom), HTML (email) or plain text (the email's alternative)."""
    name = "digest.html.j2" if html else "digest.txt.j2" if text else "digest.md.j2"
    template = environment().get_template(name)
    grouped = {kind.value for kind in GROUPED_KINDS}
    return template.render(digest=digest, grouped=grouped, subject=subject_of(digest))


def render_template(name: str, **context: object) -> str:
    """Render one template file (HTML ones autoescaped) with ``context``."""
    return environment().get_template(name).render(**context)
