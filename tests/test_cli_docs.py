"""docs/cli.md: the quick-start block runs as written, with the installed ``jwtkit`` script,
and the commands quoted in the page exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from jwtkit.cli.app import app

DOC = Path(__file__).parents[1] / "docs" / "cli.md"


def _quick_start_block() -> str:
    section = DOC.read_text().split("## Quick start", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_quick_start_runs_as_documented(tmp_path: Path) -> None:
    script = "set -euo pipefail\n" + _quick_start_block()
    # The console script lives next to the interpreter running the tests.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "JWTKIT_NOW": "1800000000"}
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # plain output, whatever the CI sets
        env.pop(name, None)
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "UNVERIFIED" in result.stdout
    assert "VERIFIED: signature (ES256, kid demo-1) and claims valid" in result.stdout
    assert "exp  2027-01-15 08:15:00 UTC   expires in 15 min" in result.stdout
    assert (tmp_path / "signing-key.jwk").stat().st_mode & 0o777 == 0o600


def test_every_documented_command_has_help() -> None:
    runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    commands = set(re.findall(r"^## `jwtkit (\w+ \w+)", DOC.read_text(), re.MULTILINE))
    assert len(commands) == 7
    for command in commands:
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0, command
