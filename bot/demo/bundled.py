"""The example plans and ledger the demo imports, found as package data.

``bot/demo/examples`` links to the repository's ``examples/`` folder; a wheel (``pip install .``)
carries the files themselves (``[tool.setuptools.package-data]``), so ``duban demo`` runs outside
the repository too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from pathlib import Path


@contextmanager
def example_files(names: Iterable[str]) -> Iterator[list[Path]]:
    """Real paths of the named example files for the duration of the ``with`` block."""
    folder = resources.files("bot.demo") / "examples"
    with ExitStack() as stack:
        yield [stack.enter_context(resources.as_file(folder / name)) for name in names]
