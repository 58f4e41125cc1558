"""A figure summed over several pages gets one evidence file holding all of them.

Each page is still fetched and parsed on its own; only when a figure's records came from more
than one page is its evidence replaced by a bundle (:mod:`domain.bundle`) of every page it used,
with the value of each record, so ``duban evidence --export`` can lay the pages out and recompute
the sum. Figures summed from the same pages share one bundle. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from collectors.base import Figure
from collectors.fetched import Fetched
from domain.bundle import BUNDLE_TYPE, BundledFigure, BundledPage, Part, pack, page_name
from domain.secrets import mask


def bundle_figures(figures: list[Figure], secrets: Iterable[str] = ()) -> list[Figure]:
    """``figures`` with every multi-page sum's evidence replaced by the bundle of its pages.

    Origins inside the bundle are masked like a stored origin (user-info, and ``secrets``).
    """
    keep = list(secrets)
    groups: dict[tuple[int, ...], tuple[list[Fetched], list[Figure]]] = {}
    for figure in figures:
        pages = list({id(page): page for page, _, _ in figure.parts}.values())
        if len(pages) > 1:
            groups.setdefault(tuple(id(p) for p in pages), (pages, []))[1].append(figure)
    bundled: dict[int, Figure] = {}
    for pages, members in groups.values():
        number = {id(page): n for n, page in enumerate(pages, start=1)}
        body = pack(
            [
                BundledPage(page_name(n, p.content_type), mask(p.url, keep), p.status, p.content_type, p.body)
                for n, p in enumerate(pages, start=1)
            ],
            [
                BundledFigure(
                    f.indicator,
                    f.month,
                    f.unit,
                    f.value,
                    f.town,
                    tuple(Part(number[id(page)], where, value) for page, where, value in f.parts),
                )
                for f in members
            ],
        )
        evidence = Fetched(pages[0].url, pages[-1].status, BUNDLE_TYPE, body, pages[0].fetched_at)
        for figure in members:
            bundled[id(figure)] = replace(figure, evidence=evidence)
    return [bundled.get(id(f), f) for f in figures]
