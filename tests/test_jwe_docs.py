"""docs/jwe.md runs as written (its Python blocks in order, in one namespace), and so does
examples/jwe_personal_data.py, the worked example it shows."""

from __future__ import annotations

import contextlib
import io
import re
import runpy
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def test_docs_jwe_blocks_run_and_print_what_they_say() -> None:
    namespace: dict[str, object] = {}
    blocks = _blocks(ROOT / "docs" / "jwe.md")
    assert len(blocks) >= 6
    for number, block in enumerate(blocks, 1):
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(block, f"docs/jwe.md block {number}", "exec"), namespace)
        # Lines of the form `print(x)  # expected` must print exactly "expected".
        expected = [
            comment
            for line in block.splitlines()
            if line.lstrip().startswith("print(")
            for comment in re.findall(r"#\s(.*)$", line)
        ]
        assert output.getvalue().splitlines() == expected, f"block {number}"


def test_worked_example_runs() -> None:
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        runpy.run_path(str(ROOT / "examples" / "jwe_personal_data.py"), run_name="__main__")
    assert "Ada Lovelace <ada@example.com> arrived encrypted" in output.getvalue()
