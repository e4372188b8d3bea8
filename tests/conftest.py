"""What many test modules share: running a docs page's Python examples as written.

Each page under docs/ is runnable: its ``python`` blocks run in order in one namespace, and
every line ``print(...)  # text`` must print exactly ``text`` (a comment ending in ``...``
promises only the start of the line). The ``run_doc_blocks`` fixture is the one place that
does this, for every page.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_PRINTED = re.compile(r"^\s*print\(.*\)\s+# (.+)$", re.MULTILINE)


def run_doc_blocks(
    page: str | Path,
    *,
    minimum: int,
    namespace: Mapping[str, object] | None = None,
    replace: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Run ``page``'s Python blocks (at least ``minimum`` of them) and check what they print.

    ``namespace`` seeds the names the page assumes (a token made by the test), ``replace``
    rewrites text before it runs (a public URL to the test's loopback server). Returns the
    namespace, for tests that look at what the examples built.
    """
    path = ROOT / page if isinstance(page, str) else page
    blocks = _BLOCK.findall(path.read_text(encoding="utf-8"))
    assert len(blocks) >= minimum, f"{path.name} has {len(blocks)} Python blocks"
    scope: dict[str, object] = {"__name__": f"{path.stem}_doc", **(namespace or {})}
    for number, block in enumerate(blocks, start=1):
        code = block
        for old, new in (replace or {}).items():
            code = code.replace(old, new)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, f"{path.name} block {number}", "exec"), scope)
        printed = output.getvalue().splitlines()
        expected = _PRINTED.findall(block)
        assert len(printed) == len(expected), f"{path.name} block {number} printed {printed}"
        for line, comment in zip(printed, expected, strict=True):
            if comment.endswith("..."):
                assert line.startswith(comment.removesuffix("...").rstrip()), (number, line)
            else:
                assert line == comment, (number, line)
    return scope


@pytest.fixture(name="run_doc_blocks")
def run_doc_blocks_fixture() -> Callable[..., dict[str, object]]:
    """The one way a test runs a docs page's examples: see :func:`run_doc_blocks`."""
    return run_doc_blocks
