"""Which page of the web interface a message links to, when the installation has a public address.

A message about one rectification item links to that item's page (``/items/{id}``); one about one
indicator, to the indicator's page (``/p/{code}/indicators/{indicator}``); anything else — a
digest of several items, a source's health — to the project's page (``/p/{code}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from domain.findings import Finding
from domain.keys import NO_BATCH, Scope, Subject, parse

ItemId = Callable[[str, str], "int | None"]  # (batch, number) → the item's row id, if it has one


@dataclass(frozen=True)
class PageLinks:
    """Pages of one project on the web interface at ``base``."""

    base: str
    project: str
    item_id: ItemId

    @property
    def project_page(self) -> str:
        return f"{self.base.rstrip('/')}/p/{self.project}"

    def of(self, findings: Iterable[Finding]) -> str:
        """The page a message about ``findings`` links to."""
        subjects = {_subject(f.key) for f in findings}
        if len(subjects) == 1 and (subject := subjects.pop()) is not None:
            page = self._subject_page(subject)
            if page is not None:
                return page
        return self.project_page

    def _subject_page(self, subject: Subject) -> str | None:
        root = self.base.rstrip("/")
        if subject.scope is Scope.ITEM:
            batch, number = subject.parts
            row = self.item_id("" if batch == NO_BATCH else batch, number)
            return f"{root}/items/{row}" if row is not None else None
        if subject.scope is Scope.INDICATOR:
            return f"{root}/p/{self.project}/indicators/{quote(subject.parts[0], safe='')}"
        return None


def _subject(key: str) -> Subject | None:
    try:
        return parse(key).subject
    except ValueError:  # a key of a kind registered outside the product: the project page
        return None
