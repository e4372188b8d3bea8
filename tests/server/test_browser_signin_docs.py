"""docs/browser-signin.md's server side says what the server does: every setting it names
exists with the default it gives, every template it names ships, and the client it registers
is accepted by the real CLI (test_browser_signin.py checks the endpoints it lists)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from jwtkit.server.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "browser-signin.md"
TEMPLATES = Path(__file__).parents[2] / "src" / "jwtkit" / "server" / "web" / "templates"


def server_side() -> str:
    text = DOC.read_text()
    return text[text.index("## Server side") :]


def test_documented_settings_exist_with_their_defaults() -> None:
    rows = re.findall(r"^\| `JWTKIT_([A-Z_]+)` \| (`[^`]*`|unset) \|", server_side(), re.M)
    assert len(rows) == 3
    for name, default in rows:
        field = Settings.model_fields[name.lower()]
        expected = None if default == "unset" else default.strip("`")
        assert (None if field.default is None else str(field.default)) == expected, name


def test_documented_templates_ship() -> None:
    named = set(re.findall(r"`(\w+\.html)`", server_side()))
    assert named == {path.name for path in TEMPLATES.glob("*.html")}


def test_the_documented_client_registration_runs(tmp_path: Path) -> None:
    block = re.search(r"```sh\n(.*?)```", server_side(), re.S)
    assert block is not None
    command = shlex.split(block.group(1).replace("\\\n", " "))
    assert command[:3] == ["jwtkit", "admin", "clients"]
    done = subprocess.run(
        [sys.executable, "-m", "jwtkit.cli", *command[1:], "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "JWTKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'j.db'}",
            "PATH": "/usr/bin:/bin",
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"authorization_code"' in done.stdout and '"public": true' in done.stdout
