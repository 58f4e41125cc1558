"""The finding-kind registry: each finding class with its kind's label and its sentence's partial.

Adding a kind is one module (its frozen dataclass) plus one line in :mod:`domain.findings.kinds`
(plus its partial, ``notifiers/templates/findings/<partial>.j2``). Registration order is the
order of a digest's sections of equal severity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.findings.base import Finding


@dataclass(frozen=True)
class KindEntry:
    cls: type[Finding]
    label: str  # the kind in Chinese: a digest section's heading, the CLI's 类型 column
    partial: str  # the template that says one finding of this class in a sentence


class KindRegistry:
    """Finding class → :class:`KindEntry`; a stored kind → its label and rank.

    Several classes may share one stored kind (a missed target: yearly, over the plan, once,
    a share); they must then share its label. A class registered twice, or a finding whose class
    is not registered, is a programming error that names the class.
    """

    def __init__(self, entries: Iterable[KindEntry] = ()) -> None:
        self._entries: dict[type[Finding], KindEntry] = {}
        self._labels: dict[StrEnum, str] = {}
        for entry in entries:
            self.add(entry.cls, entry.label, entry.partial)

    def add(self, cls: type[Finding], label: str, partial: str) -> None:
        if cls in self._entries:
            raise ValueError(f"finding class {cls.__qualname__} is registered twice")
        if self._labels.get(cls.kind, label) != label:
            raise ValueError(f"kind {cls.kind.value} has two labels: {self._labels[cls.kind]}, {label}")
        self._entries[cls] = KindEntry(cls, label, partial)
        self._labels.setdefault(cls.kind, label)

    def copy(self) -> KindRegistry:
        """A scratch registry with the same entries, to extend without touching this one."""
        return KindRegistry(self._entries.values())

    def entry(self, finding: Finding | type[Finding]) -> KindEntry:
        cls = finding if isinstance(finding, type) else type(finding)
        try:
            return self._entries[cls]
        except KeyError:
            raise KeyError(f"finding class {cls.__qualname__} is not registered") from None

    def partial(self, finding: Finding) -> str:
        """The template name of ``finding``'s sentence."""
        return f"findings/{self.entry(finding).partial}.j2"

    def label(self, kind: StrEnum) -> str:
        return self._labels[kind]

    def rank(self, kind: StrEnum) -> int:
        """Where ``kind``'s section comes among sections of the same severity."""
        return list(self._labels).index(kind)

    def __iter__(self) -> Iterable[KindEntry]:
        return iter(self._entries.values())
