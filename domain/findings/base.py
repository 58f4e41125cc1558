"""The shape every finding has: one frozen dataclass per kind extends :class:`Finding`.

A kind adds exactly the fields its sentence needs (and the ``--json`` output has always shown);
:meth:`Finding.detail` gives those fields back as the plain ``detail`` dict of that output.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from enum import Enum, StrEnum
from typing import ClassVar, TypeAlias

from domain.enums import Severity, Verdict

JSON: TypeAlias = "str | int | float | bool | list[JSON] | dict[str, JSON] | None"


@dataclass(frozen=True, kw_only=True)
class Finding:
    """A fact worth telling, with the alert ``key`` that makes it the same finding tomorrow.

    ``key`` is (subject, kind, period) built by :mod:`domain.keys`: the same question on another
    day has the same key. ``stage`` distinguishes steps of one alert (5, 3, 1 working days left;
    due; overdue; escalated): a later stage is worth a new message, the same stage is not.
    ``escalate`` sends it to the leadership group as well; ``repeat`` False means a stage is told
    once and never repeated (periodic check-ins have a new stage each period instead).
    ``kind`` is the stored word (``alerts.kind``); several classes may share one (the scopes of
    a missed target), each with its own fields and sentence. A finding about a target gives the
    target's :attr:`verdict`; a ``quiet`` one (met, on pace, not yet due) is never alerted.
    """

    kind: ClassVar[StrEnum]
    # A verdict that needs no reminder (met, on pace, not yet due): shown, never alerted or sent.
    quiet: ClassVar[bool] = False

    key: str
    project: str
    subject: str
    stage: str
    severity: Severity
    persons: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    due: date | None = None
    workdays_left: int | None = None
    escalate: bool = False
    repeat: bool = True
    # The due date in the plan's own words when it was written to the month only ("2019年10月份前
    # （按 2019年9月30日计）"); None: the date itself is shown.
    due_text: str | None = None

    @property
    def verdict(self) -> Verdict | None:
        """The verdict on a target this finding gives, if it is about a target at all."""
        return None

    def sort_key(self) -> tuple[int, date, str]:
        return (self.severity.rank, self.due or date.max, self.key)

    def detail(self) -> dict[str, JSON]:
        """The kind's own fields, in declaration order, as plain JSON values."""
        return {name: plain(getattr(self, name)) for name in _own_fields(type(self))}


# Worked out once per kind: ``--json`` asks tens of thousands of findings for their detail.
_OWN_FIELDS: dict[type, tuple[str, ...]] = {}


def _own_fields(kind: type[Finding]) -> tuple[str, ...]:
    names = _OWN_FIELDS.get(kind)
    if names is None:
        common = {f.name for f in fields(Finding)}
        names = _OWN_FIELDS[kind] = tuple(f.name for f in fields(kind) if f.name not in common)
    return names


# Already JSON data as they are. Exact types: a str- or int-valued enum is a str or an int too,
# and must give its value. Asked first because ``--json`` calls this a million times at national size.
_AS_IS = frozenset({str, int, float, bool, type(None)})


def plain(value: object) -> JSON:
    """``value`` as JSON data: enums by value, dates as ISO text, tuples as lists, records as dicts."""
    if type(value) in _AS_IS:
        return value  # type: ignore[return-value]  # one of JSON's own types, checked above
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"not JSON data: {value!r}")
