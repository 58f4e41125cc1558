"""Shorten a problem description for a message line, only where a reader would pause.

A cut falls after a sentence mark (。；！？) or, when none lies near the limit, after a clause mark
(，：) — their ASCII forms too — never after 、 (it joins a list: "乡镇、村"), never inside a
number ("3500人次", "4,029.50万元"), a unit that follows a number, a name or a quotation: marks
inside “…”, 「…」, 《…》, 【…】 or brackets are not places to cut, and a comma between two digits is
a thousands separator. When no such mark lies near the limit the text is kept whole — a long
line reads better than a wrong figure.
"""

from __future__ import annotations

from dataclasses import dataclass

ELLIPSIS = "……"
SENTENCE_MARKS = frozenset("。；！？;!?")
CLAUSE_MARKS = SENTENCE_MARKS | frozenset("，：,:")
OPENERS = {"“": "”", "「": "」", "『": "』", "《": "》", "【": "】", "（": "）", "(": ")", "[": "]", "‘": "’"}
CLOSERS = frozenset(OPENERS.values())
TRAILING = "，。；：、,;: "
SHORTEST = 0.4  # a cut keeps at least this share of the limit ...
LONGEST = 1.6  # ... and may reach this far past it when no earlier mark will do


@dataclass(frozen=True)
class Shortened:
    text: str
    cut: bool  # True when part of the original was left out


def shorten(text: str, limit: int) -> Shortened:
    """``text`` (whitespace collapsed) at most about ``limit`` characters, cut at a clause end."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return Shortened(text, False)
    ends = clause_ends(text)
    before = [e for e in ends if SHORTEST * limit <= e <= limit]
    sentences = [e for e in before if text[e - 1] in SENTENCE_MARKS]
    after = [e for e in ends if limit < e <= LONGEST * limit]
    end = sentences[-1] if sentences else before[-1] if before else after[0] if after else None
    if end is None or end >= len(text):
        return Shortened(text, False)
    return Shortened(text[:end].rstrip(TRAILING) + ELLIPSIS, True)


def clause_ends(text: str) -> list[int]:
    """Indexes just after each clause mark that is outside quotations and not inside a number."""
    ends = []
    depth: list[str] = []
    for index, char in enumerate(text):
        if depth and char == depth[-1]:
            depth.pop()
        elif char == '"':  # a straight quote opens and closes alike
            depth.append('"')
        elif char in OPENERS:
            depth.append(OPENERS[char])
        elif char in CLOSERS:
            continue  # a stray closer: nothing was open
        elif char in CLAUSE_MARKS and not depth and not _inside_number(text, index):
            ends.append(index + 1)
    return ends


def _inside_number(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return before.isdigit() and after.isdigit()
