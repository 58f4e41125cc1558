"""What a text value in a plan or a ledger may contain.

Text from plan files and ledgers ends up in WeCom messages, emails, the web page and the database.
Control characters have no business there: NUL is refused by PostgreSQL, an escape sequence
garbles a terminal, and the bidirectional overrides (U+202E…) make a message read differently
from what it says. Word's manual line break (U+000B, pasted into Excel) and the form feed are
line breaks, so they become one; tabs and line breaks stay. Anything else is refused with a
clear message rather than silently dropped. A very long value is refused too: it is a pasted
document, not a field.
"""

from __future__ import annotations

import re

MAX_TEXT = 5000  # characters; a real 问题 or 整改措施 is a few hundred
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_FORBIDDEN = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class TextError(ValueError):
    pass


def clean_text(text: str) -> str:
    """``text`` with Word line breaks as ``\\n``; :class:`TextError` for control characters or length."""
    text = text.translate(_LINE_BREAKS)
    if match := _FORBIDDEN.search(text):
        raise TextError(
            f"含有不可见的控制字符 U+{ord(match.group()):04X}"
            f"（第 {match.start() + 1} 个字符），请删除后再导入"
        )
    if len(text) > MAX_TEXT:
        raise TextError(f"文字太长（{len(text)} 字），上限 {MAX_TEXT} 字")
    return text
