"""docs/jwe.md runs as written (its Python blocks in order, in one namespace), and so does
examples/jwe_personal_data.py, the worked example it shows."""

from __future__ import annotations

import contextlib
import io
import runpy
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_docs_jwe_blocks_run_and_print_what_they_say(run_doc_blocks: Callable[..., object]) -> None:
    run_doc_blocks("docs/jwe.md", minimum=6)


def test_worked_example_runs() -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        runpy.run_path(str(ROOT / "examples" / "jwe_personal_data.py"), run_name="__main__")
    assert "Ada Lovelace <ada@example.com> arrived encrypted" in output.getvalue()
