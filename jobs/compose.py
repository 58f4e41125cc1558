"""What one channel is sent after an evaluation: the drafts of its outbox rows.

* A working channel gets one digest of what it must act on, and the resolutions (销号, 已解决)
  as a message of their own — a resolution is good news and should not be buried in a list of
  every open item.
* A leadership channel gets the escalation report (notifiers/escalation.py) — what is overdue,
  by unit, what was already done about it, and what the leaders are asked to do — and the
  resolutions of what had been reported to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from domain.findings import Finding
from domain.routing import ChannelFacts
from jobs.page_links import PageLinks
from notifiers.base import Format
from notifiers.digest import Digest, build_digest
from notifiers.escalation import build_escalation, escalation_subject
from notifiers.render import render_digest, render_escalation, subject_of


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    text_body: str | None  # the plain-text alternative of an HTML body
    mentions: tuple[str, ...]
    findings: tuple[Finding, ...]  # what it reports (their alert keys and stages)


@dataclass(frozen=True)
class Wording:
    """What the drafts of one run share."""

    project_name: str
    as_of: date
    reported: frozenset[str]  # keys that reach a leadership channel in this run
    history: Mapping[str, Sequence[tuple[date, str]]]  # each key's earlier reminders
    links: PageLinks | None  # the project's web pages, when the installation has a public address
    reply: str | None = None  # the reader's reply link, when the channel reaches one person

    def page(self, findings: Sequence[Finding]) -> str | None:
        """The page a message about ``findings`` links to (:mod:`jobs.page_links`)."""
        return self.links.of(findings) if self.links is not None else None

    def detail(self, findings: Sequence[Finding]) -> str | None:
        """The page of the one item or indicator ``findings`` are about; None when they are about
        several (a digest then links to the project page where it shortens a problem)."""
        page = self.page(findings)
        return page if self.links is not None and page != self.links.project_page else None


def drafts(
    channel: ChannelFacts, open_findings: list[Finding], cleared: list[Finding], fmt: Format, say: Wording
) -> list[Draft]:
    """The channel's messages for this run, in the order they should arrive."""
    html, text = fmt is Format.HTML, fmt is Format.TEXT
    out = []
    if open_findings and channel.leadership:
        report = build_escalation(
            say.project_name,
            channel.name,
            say.as_of,
            open_findings,
            say.history,
            page=say.page(open_findings),
        )
        out.append(
            Draft(
                escalation_subject(report),
                render_escalation(report, html=html, text=text),
                render_escalation(report, text=True) if html else None,
                (),
                tuple(open_findings),
            )
        )
    elif open_findings:
        digest = build_digest(
            say.project_name,
            channel.name,
            say.as_of,
            open_findings,
            reported=say.reported,
            page=say.page(open_findings),
            reply=say.reply,
            detail=say.detail(open_findings),
        )
        out.append(_digest_draft(digest, html, text, open_findings))
    if cleared:
        digest = build_digest(
            say.project_name,
            channel.name,
            say.as_of,
            (),
            cleared,
            page=say.page(cleared),
            detail=say.detail(cleared),
        )
        out.append(_digest_draft(digest, html, text, cleared))
    return out


def _digest_draft(digest: Digest, html: bool, text: bool, findings: list[Finding]) -> Draft:
    return Draft(
        subject_of(digest),
        render_digest(digest, html=html, text=text),
        render_digest(digest, text=True) if html else None,
        digest.mentions,
        tuple(findings),
    )
