"""docs/keys.md is runnable: its Python blocks run in order, in one namespace, and every
``print(...)  # expected`` line prints what its comment says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).parents[1] / "docs" / "keys.md"
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_PRINTED = re.compile(r"^\s*print\(.*\)\s+# (.+)$", re.MULTILINE)


def test_keys_doc_examples_run_and_print_what_they_say() -> None:
    blocks = _BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    namespace: dict[str, object] = {"__name__": "keys_doc"}
    for number, block in enumerate(blocks, start=1):
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(block, f"docs/keys.md block {number}", "exec"), namespace)
        printed = output.getvalue().splitlines()
        expected = _PRINTED.findall(block)
        assert len(printed) == len(expected), f"block {number} printed {printed}"
        for line, comment in zip(printed, expected, strict=True):
            # A comment ending in "..." promises only the start of the line.
            if comment.endswith("..."):
                assert line.startswith(comment.removesuffix("...").rstrip()), (number, line)
            else:
                assert line == comment, (number, line)
