"""One Jinja2 environment over ``notifiers/templates``: HTML autoescaped, undefined is an error.

A finding is said by its kind's partial (``templates/findings/<partial>.j2``, named in
:data:`domain.findings.KINDS`); the digest templates include it through ``lines.finding``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.enums import Binding
from domain.findings import KINDS, Finding, KindRegistry
from domain.labels import label, reminder_label
from notifiers.digest import GROUPED_KINDS, Digest
from notifiers.escalation import Escalation, escalation_subject
from notifiers.escape import markdown_text, plain_text
from notifiers.shorten import shorten

TEMPLATES = Path(__file__).resolve().parent / "templates"
WEEKDAYS = "一二三四五六日"


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def due_words(finding: Finding) -> str:
    """A finding's due date as the plan wrote it when it wrote only the month, else the date."""
    if finding.due_text:
        return finding.due_text
    return cn_date(finding.due) if finding.due else ""


def amount(value: float) -> str:
    """A figure with thousands separators, as precise as written (to the cent): 33,377.78."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def cn_day(day: date) -> str:
    """A day within the year of the message: 10月8日."""
    return f"{day.month}月{day.day}日"


def cn_month(value: str | int, year: int | None = None) -> str:
    """A month in the messages' one style: "2023-06" (or 6 with its year) → 2023年6月."""
    if isinstance(value, int):
        return f"{year}年{value}月" if year else f"{value}月"
    head, _, tail = str(value).partition("-")
    return f"{int(head)}年{int(tail)}月" if head.isdigit() and tail.isdigit() else str(value)


def with_binding(subject: str, binding: Binding) -> str:
    """The subject with its binding: "S05 电商龙头企业（约束性）"; a subject already ending in a bracket
    takes it inside ("Q43 每月报送工作进展（2022年6月，约束性）"), never two brackets in a row."""
    if subject.endswith("）"):
        return f"{subject[:-1]}，{label(binding)}）"
    return f"{subject}（{label(binding)}）"


def names(persons: tuple[str, ...] | list[str]) -> str:
    return "、".join(persons)


@cache
def environment(folders: tuple[Path, ...] = ()) -> Environment:
    """The environment over the product's templates, then ``folders`` (another kind's partials)."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES, *folders]),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
        auto_reload=False,  # the files do not change under a running process; a stat per render would
    )
    env.filters.update(
        cn_date=cn_date,
        due_words=due_words,
        cn_day=cn_day,
        cn_month=cn_month,
        amount=amount,
        names=names,
        with_binding=with_binding,
        shorten=shorten,
        label=label,
        reminder=reminder_label,
    )
    env.filters["md"] = markdown_text  # untrusted text in markdown templates: see notifiers/escape.py
    env.filters["text"] = plain_text  # a lines.j2 macro's output, to be escaped by an HTML template
    return env


def subject_of(digest: Digest) -> str:
    if not digest.count and digest.resolved:  # a message of resolutions only
        subjects = [f.subject for f in digest.resolved]
        what = "、".join(subjects) if len(subjects) <= 3 else f"{len(subjects)} 项"
        return f"【销号通知】{digest.project_name}：{what}已解决（{digest.as_of:%Y-%m-%d}）"
    return f"【督办提醒】{digest.project_name}：{digest.count} 项需关注（{digest.as_of:%Y-%m-%d}）"


def render_digest(
    digest: Digest,
    *,
    html: bool = False,
    text: bool = False,
    kinds: KindRegistry = KINDS,
    partials: Sequence[Path] = (),
) -> str:
    """The digest as markdown (WeCom), HTML (email) or plain text (the email's alternative).

    ``kinds`` names each finding's partial; ``partials`` are folders holding partials of kinds
    registered outside the product (a scratch registry's).
    """
    name = "digest.html.j2" if html else "digest.txt.j2" if text else "digest.md.j2"
    template = environment(tuple(partials)).get_template(name)
    grouped = {kind.value for kind in GROUPED_KINDS}
    return template.render(
        digest=digest, grouped=grouped, subject=subject_of(digest), partial=kinds.partial, page=digest.page
    )


def render_escalation(
    escalation: Escalation, *, html: bool = False, text: bool = False, kinds: KindRegistry = KINDS
) -> str:
    """The leaders' message (notifiers/escalation.py) as markdown, HTML or plain text."""
    name = "escalation.html.j2" if html else "escalation.txt.j2" if text else "escalation.md.j2"
    return (
        environment()
        .get_template(name)
        .render(
            e=escalation,
            subject=escalation_subject(escalation),
            partial=kinds.partial,
            page=escalation.page,
        )
    )


def sentence(finding: Finding, kinds: KindRegistry = KINDS) -> str:
    """One finding in the messages' own words, unescaped (the CLI's table)."""
    return environment().get_template(kinds.partial(finding)).render(f=finding, page=None)


def render_template(name: str, **context: object) -> str:
    """Render one template file (HTML ones autoescaped) with ``context``."""
    return environment().get_template(name).render(**context)
