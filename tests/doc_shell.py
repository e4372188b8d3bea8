"""Run the shell walks of README.md and docs/ as they are written, with real processes.

A page's ``sh`` blocks run in order, in one ``bash`` script, so a variable set in one block
(``TOKEN=$(curl ... | jq -r .access_token)``) serves the next. Every ``curl`` call carries a
comment with the status it answers, and optionally the error code in its body
(``# 403 insufficient_scope``); ``curl`` is wrapped to record each call's status and body, and
the test compares them with those comments. ``uv run X`` runs ``X`` from the environment
running the tests (what ``uv run`` does in a checkout). The long-running commands a page
starts in its own terminals are parsed into argument lists by :func:`process_command`.
So a page cannot show a command that does not do what it says.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Call",
    "ExpectedCall",
    "blocks",
    "commands",
    "expected_calls",
    "fenced",
    "process_command",
    "program_lines",
    "run_walk",
]

ROOT = Path(__file__).parents[1]
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_EXPECTATION = re.compile(r"#\s*(\d{3})\b(?:\s+([a-z]+(?:_[a-z]+)+))?")

# bash before the page's blocks: `uv run` and a `curl` that records what each call answered.
_PRELUDE = r"""
set -euo pipefail
uv() { if [ "${1:-}" = run ]; then shift; fi; "$@"; }
curl() {
    local number
    number=$(( $(wc -l < "$WALK_DIR/statuses") + 1 ))
    command curl --silent --show-error --max-time 60 -o "$WALK_DIR/body-$number" \
        -D "$WALK_DIR/headers-$number" -w '%{http_code}\n' "$@" >> "$WALK_DIR/statuses"
    cat "$WALK_DIR/body-$number"
}
"""


@dataclass(frozen=True)
class ExpectedCall:
    """A ``curl`` command of a page and what its comment says it answers."""

    command: str
    status: int
    error: str | None


@dataclass(frozen=True)
class Call:
    expected: ExpectedCall
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    def check(self) -> None:
        where = f"{self.expected.command}\n-> {self.status} {self.body[:500]}"
        assert self.status == self.expected.status, where
        if self.expected.error is not None:
            assert self.expected.error in _error_codes(self.json()), where


def _error_codes(document: Any) -> set[str]:
    """The ``error`` members of a JSON body, at any depth (``{"detail": {"error": ...}}``)."""
    if isinstance(document, dict):
        found = {document["error"]} if isinstance(document.get("error"), str) else set()
        for value in document.values():
            found |= _error_codes(value)
        return found
    if isinstance(document, list):
        return set().union(*(_error_codes(item) for item in document))
    return set()


def _last_headers(dump: Path) -> dict[str, str]:
    """The headers of the last response curl received (names lowercased)."""
    if not dump.exists():  # no response at all: the status check says so
        return {}
    response = dump.read_text().strip().split("\r\n\r\n")[-1]
    headers = {}
    for line in response.splitlines()[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def blocks(markdown: str, language: str = "sh") -> list[str]:
    """The fenced blocks of ``language``, in page order."""
    return [body for lang, body in _FENCE.findall(markdown) if lang == language]


def fenced(markdown: str) -> list[tuple[str, str]]:
    """Every fenced block as ``(language, body)``, in page order."""
    return [(lang, body) for lang, body in _FENCE.findall(markdown)]


def commands(script: str) -> list[str]:
    """The logical lines of a shell script (continuation lines joined), blank lines dropped."""
    logical: list[str] = []
    pending = ""
    for line in script.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            logical.append(joined)
    return logical


def expected_calls(script: str) -> list[ExpectedCall]:
    """Each ``curl`` call of ``script``, with the status its comment promises."""
    expected = []
    for command in commands(script):
        if not re.search(r"(^|[\s($|])curl\s", command):
            continue
        assert command.count("curl ") == 1, f"one curl call per command: {command}"
        match = _EXPECTATION.search(command[command.find("#") :] if "#" in command else "")
        assert match is not None, f"say what this call answers (# 200 ...): {command}"
        expected.append(ExpectedCall(command, int(match.group(1)), match.group(2)))
    return expected


def run_walk(
    script: str, *, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> list[Call]:
    """Run ``script`` with bash in ``cwd``; every curl call, checked against its comment."""
    expected = expected_calls(script)
    walk_dir = cwd / "walk"
    walk_dir.mkdir(exist_ok=True)
    (walk_dir / "statuses").write_text("")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    completed = subprocess.run(
        ["bash", "-c", _PRELUDE + script],
        cwd=cwd,
        env={**os.environ, **(env or {}), "WALK_DIR": str(walk_dir), "PATH": path},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    statuses = [int(line) for line in (walk_dir / "statuses").read_text().split()]
    calls = [
        Call(
            want,
            status,
            (walk_dir / f"body-{number}").read_text(),
            _last_headers(walk_dir / f"headers-{number}"),
        )
        for number, (want, status) in enumerate(zip(expected, statuses, strict=False), start=1)
    ]
    for call in calls:
        call.check()
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert len(statuses) == len(expected), (statuses, expected)
    return calls


def process_command(
    line: str, *, replacements: Mapping[str, str] = {}
) -> tuple[list[str], dict[str, str]]:
    """A page's ``NAME=value uv run program args`` line as ``(argv, environment)``.

    ``uv run`` becomes the interpreter running the tests; ``jwtkit`` and ``uvicorn`` run as
    its modules; an argument naming a path of the repository (``examples``) is made absolute,
    so the process can run in a scratch directory.
    """
    for old, new in replacements.items():
        line = line.replace(old, new)
    words = shlex.split(line, comments=True)
    environment: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        environment[name] = value
    assert words[:2] == ["uv", "run"], line
    program, *arguments = words[2:]
    modules = {"jwtkit": "jwtkit.cli", "uvicorn": "uvicorn"}
    argv = [sys.executable, "-m", modules[program]]
    for argument in arguments:
        in_repository = ROOT / argument
        argv.append(
            str(in_repository) if "/" not in argument and in_repository.exists() else argument
        )
    return argv, environment


def program_lines(script: str) -> list[str]:
    """The commands of a block, comments dropped."""
    return [line for line in commands(script) if not line.startswith("#")]
