"""Untrusted text in WeCom markdown: shown as written, never read as markup.

Problem texts, names, scraped error messages and server replies come from plan files, ledgers and
other people's servers. In a WeCom markdown message such text could otherwise

* start a line of its own (a line break, then ``## 假标题``, ``> 引用`` or ``- 列表``), and so pose
  as a heading or a paragraph duban did not write;
* become a link (``[点此处理](http://evil)``) that looks like part of the reminder;
* @ someone (``<@userid>``, ``<@all>``) or colour text (``<font color="warning">``);
* switch bold or code on for the rest of the message (``**``, a backtick).

:func:`markdown_text` closes all of these: line breaks and other white space collapse to one
space (no new line, so no heading, quote or list), and the characters markdown gives a meaning to
become their full-width forms, which read the same to a person and mean nothing to the renderer.
WeCom documents no backslash escape, so escaping with ``\\`` would show the backslashes.
"""

from __future__ import annotations

import re

# The markup WeCom's markdown subset knows: headings, bold, links, inline code, quotes, tags.
_FULL_WIDTH = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "｀", "#": "＃"})
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def markdown_text(value: object) -> str:
    """``value`` as one line of inert markdown text (see the module docstring)."""
    text = _INVISIBLE.sub("", str(value))
    return " ".join(text.split()).translate(_FULL_WIDTH)


def plain_text(value: object) -> str:
    """``value`` as a plain string, so an HTML template escapes it.

    A macro from ``lines.j2`` (a template without autoescape) comes back marked safe when an
    autoescaping template calls it, and would go into the e-mail unescaped; its sentences are
    plain text with no markup of their own, so they are unmarked here and escaped by the caller.
    """
    return str.__str__(value) if isinstance(value, str) else str(value)


def header_text(value: object) -> str:
    """``value`` fit for an e-mail header: one line, so a CR/LF cannot start a header of its own."""
    return " ".join(_INVISIBLE.sub("", str(value)).split())
