"""docs/integrations.md is what runs: its four complete examples are the files under
examples/ (tested under real servers in test_integration_examples.py), and its other Python
blocks run in order, in one namespace, against a loopback issuer standing in for
``https://auth.example.com``, printing what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path

from loopback_issuer import LoopbackIssuer

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_PRINTED = re.compile(r"^\s*print\(.*\)\s+# (.+)$", re.MULTILINE)
_EXAMPLE = re.compile(r"# (examples/\w+\.py)\n")
DOC_ISSUER = "https://auth.example.com"


def test_each_framework_example_on_the_page_is_the_tested_file() -> None:
    shown = {}
    for block in _BLOCK.findall(DOC.read_text(encoding="utf-8")):
        match = _EXAMPLE.match(block)
        if match:
            shown[match.group(1)] = block[match.end() :]
    assert set(shown) == {
        "examples/fastapi_api.py",
        "examples/starlette_api.py",
        "examples/flask_api.py",
        "examples/django_api.py",
    }
    for path, text in shown.items():
        assert text == (ROOT / path).read_text(encoding="utf-8"), path


def test_the_other_blocks_run_and_print_what_they_say(issuer: LoopbackIssuer) -> None:
    blocks = [
        block
        for block in _BLOCK.findall(DOC.read_text(encoding="utf-8"))
        if not _EXAMPLE.match(block)
    ]
    assert len(blocks) >= 3
    # A real module: Litestar looks a handler's module up in sys.modules.
    module = types.ModuleType("integrations_doc")
    module.access_token = issuer.token(sub="alice", scope="orders:read")  # type: ignore[attr-defined]
    namespace = module.__dict__
    sys.modules[module.__name__] = module
    try:
        run_blocks(blocks, namespace, issuer)
    finally:
        del sys.modules[module.__name__]


def run_blocks(blocks: list[str], namespace: dict[str, object], issuer: LoopbackIssuer) -> None:
    for number, block in enumerate(blocks, start=1):
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            code = block.replace(DOC_ISSUER, issuer.issuer)
            exec(compile(code, f"integrations.md block {number}", "exec"), namespace)
        assert output.getvalue().splitlines() == _PRINTED.findall(block), f"block {number}"
