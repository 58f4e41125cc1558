"""A stored figure written out for a person who checks it: every digit kept, none invented."""

from __future__ import annotations


def exact_amount(value: float) -> str:
    """33377.78 → ``33,377.78`` (``:g`` would say 33377.8); at most the six decimals a figure keeps."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
