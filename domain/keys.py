"""The alert-key and stage grammar: every key and stage is built and parsed here, nowhere else.

An alert key names (subject, question, period) — the same question on another day has the same
key, so it is how an alert is recognised again. The database holds these strings: the text they
make must never change.

    pianguan/item/-/13/deadline/2023-10-20       an item's deadline (batch "-" when none)
    wenxi/indicator/S36/year/2023                a yearly target (…/town/东镇/year/2023 per town)
    wenxi/indicator/S05/plan                     a target over the plan period
    wenxi/source/mofcom/stale                    a source's health
    wenxi/report/mofcom/2023-09                  one month's report in a reporting system

A stage is one step of an alert: ``remind-5``, ``remind-3``, ``due``, ``overdue``, ``escalated``;
``month-05`` (``month-2023-10`` over a plan period), ``unreported``, ``missed``; ``checkin-2023-11``;
``window-1-open`` …; ``missing-2023-08``, ``found-2023-09``; ``stale``, ``failed``, ``resolved``.
:func:`stage_rank` orders them so that an alert only moves forward.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

SEP = "/"


class Scope(StrEnum):
    """What kind of thing an alert is about."""

    ITEM = "item"  # a rectification item (整改事项)
    INDICATOR = "indicator"
    SOURCE = "source"
    REPORT = "report"


class Question(StrEnum):
    """What is asked about the subject; some questions carry a period (a year, a date)."""

    DEADLINE = "deadline"
    DELIVERABLE = "deliverable"
    EVIDENCE = "evidence"
    YEAR = "year"
    PLAN = "plan"
    ONCE = "once"
    RATIO = "ratio"
    GROWTH = "growth"
    MISSING = "missing"
    NEGATIVE = "negative"
    JUMP = "jump"
    MISMATCH = "mismatch"  # two sources of one month disagree: …/S36/mismatch/2023-09/a+b
    COLLECTION = "collection"
    STALE = "stale"


ONGOING = "ongoing"  # the period of an item's deadline question when it has no date
NO_BATCH = "-"
TOWN = "town"


@dataclass(frozen=True)
class Subject:
    """What an alert is about: its project, scope and the parts that name it within the scope."""

    project: str
    scope: Scope
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return SEP.join((self.project, self.scope, *self.parts))  # a StrEnum joins as its value

    @property
    def prefix(self) -> str:
        """The text every key about this subject starts with."""
        return f"{self}{SEP}"

    def key(self, question: Question, *period: object) -> str:
        """The stored key of ``question`` (with its period, if any) about this subject."""
        return SEP.join((self.project, self.scope, *self.parts, question, *map(str, period)))


def item(project: str, batch: str, number: str) -> Subject:
    return Subject(project, Scope.ITEM, (batch or NO_BATCH, number))


def indicator(project: str, code: str, town: str | None = None) -> Subject:
    """An indicator, or one town's figures of it."""
    return Subject(project, Scope.INDICATOR, (code, TOWN, town) if town else (code,))


def source(project: str, code: str) -> Subject:
    return Subject(project, Scope.SOURCE, (code,))


def report(project: str, source_code: str, month: str) -> Subject:
    """One month's report: the subject is the whole key (it asks one question only)."""
    return Subject(project, Scope.REPORT, (source_code, month))


def deadline_key(subject: Subject, deadline: date | None) -> str:
    return subject.key(Question.DEADLINE, deadline or ONGOING)


@dataclass(frozen=True)
class AlertKey:
    """A stored key read back: its subject and the question (with period) asked about it."""

    subject: Subject
    question: tuple[str, ...]

    def __str__(self) -> str:
        return SEP.join((str(self.subject), *self.question))

    @property
    def indicator_code(self) -> str | None:
        return self.subject.parts[0] if self.subject.scope is Scope.INDICATOR else None

    @property
    def item_number(self) -> str | None:
        return self.subject.parts[1] if self.subject.scope is Scope.ITEM else None


_SUBJECT_PARTS = {Scope.ITEM: 2, Scope.INDICATOR: 1, Scope.SOURCE: 1, Scope.REPORT: 2}
_SCOPE_WORDS = frozenset(s.value for s in Scope)  # built once: a national run parses 100,000 keys


def parse(key: str) -> AlertKey:
    """Read a key built by this module; ValueError for any other text."""
    parts = key.split(SEP)
    if len(parts) < 2 or parts[1] not in _SCOPE_WORDS:
        raise ValueError(f"not an alert key: {key!r}")
    project, scope, rest = parts[0], Scope(parts[1]), parts[2:]
    n = _SUBJECT_PARTS[scope]
    if scope is Scope.INDICATOR and rest[1:2] == [TOWN]:
        n = 3
    if len(rest) < n:
        raise ValueError(f"not an alert key: {key!r}")
    return AlertKey(Subject(project, scope, tuple(rest[:n])), tuple(rest[n:]))


def without_project(key: str) -> str:
    """The key as shown within its project (the CLI's alert list)."""
    return key.split(SEP, 1)[1]


def project_of(key: str) -> str:
    """The project code a stored key begins with."""
    return key.split(SEP, 1)[0]


def prefixes(key: str) -> list[str]:
    """Every subject prefix of ``key``, shortest first, and the key itself."""
    parts = key.split(SEP)
    return [SEP.join(parts[:n]) + SEP for n in range(1, len(parts))] + [key]


# --- stages ----------------------------------------------------------------------------------


class Step(StrEnum):
    """The word a stage starts with."""

    REMIND = "remind"
    DUE = "due"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    MISSED = "missed"
    UNREPORTED = "unreported"  # judged without a figure: after the month stages, before "missed"
    MONTH = "month"
    CHECKIN = "checkin"
    WINDOW = "window"
    MISSING = "missing"
    FOUND = "found"
    STALE = "stale"
    FAILED = "failed"
    RESOLVED = "resolved"


DUE, OVERDUE, ESCALATED, MISSED = Step.DUE.value, Step.OVERDUE.value, Step.ESCALATED.value, Step.MISSED.value
UNREPORTED = Step.UNREPORTED.value
STALE, FAILED, RESOLVED = Step.STALE.value, Step.FAILED.value, Step.RESOLVED.value
EVIDENCE_MISSING = Step.MISSING.value  # a deliverable done without proof
WINDOW_OPEN, WINDOW_CLOSING, WINDOW_MISSED = "window-1-open", "window-2-closing", "window-3-missed"


def remind(workdays: int) -> str:
    return f"{Step.REMIND}-{workdays}"


@cache  # a few dozen months, asked for every target behind its pace
def month_stage(month: int | str) -> str:
    """``month-05`` for a month of the year, ``month-2023-10`` for a month of the plan period."""
    return f"{Step.MONTH}-{month:02d}" if isinstance(month, int) else f"{Step.MONTH}-{month}"


def checkin(month: str) -> str:
    return f"{Step.CHECKIN}-{month}"


def missing(month: str) -> str:
    return f"{Step.MISSING}-{month}"


def found(month: str) -> str:
    return f"{Step.FOUND}-{month}"


@dataclass(frozen=True)
class Stage:
    """A stage read back: its step (None for a word this grammar does not know) and the text after
    the step's dash (None for a bare step such as ``due``)."""

    step: Step | None
    arg: str | None


_STEP_WORDS = frozenset(s.value for s in Step)


def parse_stage(text: str) -> Stage:
    head, dash, arg = text.partition("-")
    step = Step(head) if head in _STEP_WORDS else None
    return Stage(step, arg if dash else None)


# Named steps in the order they come; other stages ("month-05", "checkin-2023-11", "window-1-open"
# …) order by their own text, after the deadline steps and before "missed" — the verdict that
# ends a target's monthly track (month-11 → missed on one key).
_STEP_ORDER = {DUE: 1, OVERDUE: 2, ESCALATED: 3, UNREPORTED: 8, MISSED: 9}


@cache  # a national run ranks 100,000 stages, all from a small vocabulary
def stage_rank(stage: str) -> tuple[int, int, str]:
    """Order stages so that an alert only moves forward: remind-5 < remind-3 < due < overdue …"""
    parsed = parse_stage(stage)
    if parsed.step is Step.REMIND and parsed.arg is not None and parsed.arg.isdigit():
        return (0, -int(parsed.arg), "")
    if stage in _STEP_ORDER:
        return (_STEP_ORDER[stage], 0, "")
    if not stage:
        return (-1, 0, "")
    return (5, 0, stage)


# --- the order people number things in ------------------------------------------------------

_NUMBER = re.compile(r"\d+|[零一二两三四五六七八九十百]+")
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TENS = {"十": 10, "百": 100}


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort as the documents number: 问题2 before 问题12, 1.(3) before 1.(10), (二) before (十).

    Arabic and Chinese numerals compare by value (code-point order would put 三 before 二); the
    text between them compares as text. The one sort key of the CLI, the page and the messages.
    """
    parts: list[tuple[int, int | str]] = []
    end = 0
    for match in _NUMBER.finditer(text):
        if match.start() > end:
            parts.append((1, text[end : match.start()]))
        parts.append((0, _value(match.group())))
        end = match.end()
    if end < len(text):
        parts.append((1, text[end:]))
    return tuple(parts)


def _value(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    total = digit = 0
    for char in numeral:
        if char in _TENS:
            total += (digit or 1) * _TENS[char]  # 十二 is 12: a bare 十 counts one ten
            digit = 0
        else:
            digit = digit * 10 + _DIGITS[char]
    return total + digit


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三: the numbering of a document's sections (1–99)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else f"{digits[tens]}十"
    return head + (digits[ones] if ones else "")
