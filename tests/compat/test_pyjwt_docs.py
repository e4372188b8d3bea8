"""The Python examples of docs/migrating-from-pyjwt.md run, in order, as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "migrating-from-pyjwt.md"
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_migration_guide_examples_run() -> None:
    blocks = _PYTHON_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    for index, block in enumerate(blocks):
        namespace: dict[str, object] = {"__name__": f"migration_example_{index}"}
        exec(compile(block, f"{DOC.name}[python block {index}]", "exec"), namespace)


def test_migration_guide_shows_the_one_line_change() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "-import jwt\n+import jwtkit.compat.pyjwt as jwt" in text
