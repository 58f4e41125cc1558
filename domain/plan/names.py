"""Names written two ways: units a plan calls by another spelling, and names that look alike.

A document may call one unit 区商务和经济合作局 in one place and 区商务经济合作局 in the next; the
plan's ``unit_aliases`` table maps every spelling to one name, so the unit's items stay together.
Spellings that are close but not mapped are worth a warning at import (they may be one unit, or
two people with one character between them); a person an item names who is not in ``people`` is
an error that suggests the closest known name (高全 → 高权).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher, get_close_matches

NEAR = 0.8  # 区商务和经济合作局 / 区商务经济合作局 is 0.94; 高权 / 高全 is 0.5, so names are compared apart
NEAR_SHORT = 0.5  # a name of two or three characters: one character in two or three


def canonical_units(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Spelling → the unit's name, from ``{name: [other spellings]}``; a name maps to itself."""
    table: dict[str, str] = {}
    for name, spellings in aliases.items():
        table[name] = name
        for spelling in spellings:
            table[spelling] = name
    return table


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name``, if any is close enough to be a slip of the pen."""
    candidates = sorted(known)
    cutoff = NEAR_SHORT if len(name) <= 3 else NEAR
    found = get_close_matches(name, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None


def near_units(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of different unit names that are almost the same (区商务和经济合作局 / 区商务经济合作局)."""
    distinct = sorted(set(names))
    return [
        (first, second)
        for index, first in enumerate(distinct)
        for second in distinct[index + 1 :]
        if SequenceMatcher(None, first, second).ratio() >= NEAR
    ]


def near_people(names: Iterable[str]) -> list[tuple[str, str]]:
    """Names of three or more characters one given-name character apart (张晓明 / 张小明).

    Two-character names sharing a surname (王蓉 / 王雪) are ordinary and not reported.
    """
    distinct = sorted(set(names))
    pairs = []
    for index, first in enumerate(distinct):
        for second in distinct[index + 1 :]:
            alike = len(first) == len(second) >= 3 and first[0] == second[0]
            if alike and sum(a != b for a, b in zip(first, second, strict=True)) == 1:
                pairs.append((first, second))
    return pairs
