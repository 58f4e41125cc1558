"""Cut long text into pieces that fit a channel's byte limit (UTF-8), at line boundaries.

Rules, in order of preference:

* a piece ends before a blank line or a heading (``#``, ``**…``) when one lies in the second half
  of the piece, so sections stay together;
* otherwise at any line end;
* a markdown table is cut only between rows, and the next piece repeats its header rows;
* a single line longer than the limit is cut between characters, never inside one.
"""

from __future__ import annotations

import re

TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_at_char(text: str, limit: int) -> list[str]:
    """Cut one line into pieces of at most ``limit`` bytes, each a whole number of characters."""
    data = text.encode("utf-8")
    pieces = []
    while data:
        end = min(limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte: step back
            end -= 1
        pieces.append(data[:end].decode("utf-8"))
        data = data[end:]
    return pieces


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of ``text``, each at most ``limit`` UTF-8 bytes, joined by "\\n" they give it back
    (except for repeated table headers and the blank lines pieces were cut at)."""
    if limit < 16:
        raise ValueError("limit too small to split text")
    text = text.strip("\n")
    if utf8_len(text) <= limit:
        return [text]
    lines = text.split("\n")
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    header: tuple[str, ...] = ()
    for number, line in enumerate(lines):
        header = _table_header(lines, number, header)
        for chunk in cut_at_char(line, limit) if utf8_len(line) > limit else [line]:
            need = utf8_len(chunk) + (1 if current else 0)
            if current and size + need > limit:
                done, current = _cut(current, limit)
                pieces.append("\n".join(done))
                if header and not current and chunk != header[0]:
                    # a table goes on: repeat its header (or keep it with its rule line)
                    current = [header[0]] if chunk == header[1] else list(header)
                size = utf8_len("\n".join(current)) if current else 0
                need = utf8_len(chunk) + (1 if current else 0)
                if current and size + need > limit:  # the carried lines and this one do not fit
                    pieces.append("\n".join(current))
                    current, size = [], 0
                    need = utf8_len(chunk)
            current.append(chunk)
            size += need
    if current:
        pieces.append("\n".join(current))
    return [p.strip("\n") for p in pieces if p.strip()]


def _table_header(lines: list[str], number: int, header: tuple[str, ...]) -> tuple[str, ...]:
    line = lines[number]
    if not line.lstrip().startswith("|"):
        return ()
    following = lines[number + 1] if number + 1 < len(lines) else ""
    if TABLE_RULE.match(following) and not header:
        return (line, following)
    return header


def _cut(lines: list[str], limit: int) -> tuple[list[str], list[str]]:
    """Where to end the piece: before the last blank line or heading in its second half."""
    sizes = [utf8_len(line) + 1 for line in lines]
    reached = 0
    best = None
    for index, line in enumerate(lines):
        if index and reached >= limit // 2 and _is_boundary(line):
            best = index
        reached += sizes[index]
    if best is None:
        return lines, []
    done, carry = lines[:best], lines[best:]
    while carry and not carry[0].strip():
        carry = carry[1:]
    return done, carry


def _is_boundary(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("#", "**"))
