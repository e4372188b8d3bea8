"""docs/api.md runs: its examples, in order, against a real ``jwtkit serve`` process.

Every ``curl`` call answers the status its comment names; every JSON answer the page shows has
the members the server sends (at every depth); and the page has one section for each operation
the server routes (its OpenAPI document's and the HTML pages left out of it), no more and no
fewer, each with a call to it. An endpoint
added without its documentation, or documentation left behind by a change, fails here.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.routing import APIRoute

from doc_shell import commands, expected_calls, fenced, run_walk
from jwtkit.server import routes
from serving import serve_jwtkit

DOC = Path(__file__).parents[2] / "docs" / "api.md"
HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)$", re.MULTILINE)


def assert_same_members(shown: Any, sent: Any, where: str = "$") -> None:
    """The page's JSON example and the server's answer have the same members, at every depth
    (values differ from run to run; an empty list in either says nothing of its items)."""
    if isinstance(shown, dict):
        assert isinstance(sent, dict), where
        assert set(shown) == set(sent), (where, sorted(shown), sorted(sent))
        for name, value in shown.items():
            assert_same_members(value, sent[name], f"{where}.{name}")
    elif isinstance(shown, list) and shown and isinstance(sent, list) and sent:
        assert_same_members(shown[0], sent[0], f"{where}[0]")


def documented_operations(text: str) -> dict[tuple[str, str], str]:
    """``(method, path)`` of every endpoint section, with the section's text."""
    sections = {}
    matches = list(HEADING.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        sections[(match.group(1), match.group(2))] = text[match.end() : end]
    return sections


def routed_operations() -> set[tuple[str, str]]:
    """Every operation of the server's routers, the pages left out of OpenAPI included."""
    found = set()
    for module in pkgutil.iter_modules(routes.__path__):
        router = getattr(
            importlib.import_module(f"{routes.__name__}.{module.name}"), "router", None
        )
        if isinstance(router, APIRouter):
            for route in router.routes:
                assert isinstance(route, APIRoute)
                found |= {(method, route.path) for method in route.methods if method != "HEAD"}
    return found


def test_api_doc_examples_run_against_jwtkit_serve(tmp_path: Path) -> None:
    with serve_jwtkit(tmp_path) as server:
        text = DOC.read_text().replace("http://127.0.0.1:8000", server.url)
        pieces = fenced(text)
        calls = run_walk(
            "\n".join(body for language, body in pieces if language == "sh"), cwd=tmp_path
        )
        openapi = httpx.get(f"{server.url}/openapi.json", timeout=30).json()

    shown_answers = 0
    made = 0
    for (language, body), (next_language, next_body) in zip(
        pieces, [*pieces[1:], ("", "")], strict=True
    ):
        if language != "sh":
            continue
        made += len(expected_calls(body))
        if next_language == "json":
            assert_same_members(json.loads(next_body), calls[made - 1].json())
            shown_answers += 1
    assert made == len(calls)
    assert shown_answers >= 10

    in_openapi = {
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    operations = routed_operations()
    assert in_openapi <= operations  # nothing is routed outside jwtkit.server.routes
    sections = documented_operations(DOC.read_text())
    assert set(sections) == operations, (
        f"undocumented: {sorted(operations - set(sections))}; "
        f"not served: {sorted(set(sections) - operations)}"
    )
    for (method, path), section in sections.items():
        target = re.escape(path)
        target = re.sub(r"\\\{[^}]*\\\}", r"[^/\\s\"?]+", target) + r"(?=[\s\"?']|$)"
        called = [
            command
            for command in commands("\n".join(body for _, body in fenced(section)))
            if "curl " in command and re.search(r"\$AUTH" + target, command.replace('"', " "))
        ]
        assert called, f"no curl example calls {method} {path}"
