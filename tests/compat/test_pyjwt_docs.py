"""The Python examples of docs/migrating-from-pyjwt.md run, in order, as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "migrating-from-pyjwt.md"


def test_migration_guide_examples_run(run_doc_blocks: Callable[..., object]) -> None:
    run_doc_blocks(DOC, minimum=4)


def test_migration_guide_shows_the_one_line_change() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "-import jwt\n+import jwtkit.compat.pyjwt as jwt" in text
