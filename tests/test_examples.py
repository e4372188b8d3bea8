"""The README's runnable flow: login -> token -> protected endpoint, end to end on loopback."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_login_flow_answers_as_rfc_6750_says() -> None:
    results = {label: (status, body) for label, status, body in load_example("login_flow").main()}
    assert results["login with a wrong password"] == (401, {"error": "invalid_grant"})
    assert results["login"] == (200, {"token_type": "Bearer"})
    assert results["GET /orders with the token"] == (
        200,
        {"hello": "alice", "orders": [1, 2, 3]},
    )
    assert results["GET /orders without a token"][0] == 401
    assert results["GET /orders with a tampered token"] == (401, {"error": "invalid_token"})
    assert results["GET /admin (scope missing)"] == (403, {"error": "insufficient_scope"})


def test_readme_python_block_runs() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["claims"] == {"sub": "alice", "aud": "orders-api"}
