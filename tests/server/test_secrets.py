"""The master key file a careless operator leaves readable, attacked through real processes."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from serving import jwtkit_command


def _jwtkit(
    tmp_path: Path, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "JWTKIT_PORT": "0"}
    environment.pop("JWTKIT_MASTER_KEY", None)
    environment["JWTKIT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'jwtkit.db'}"
    return subprocess.run(
        [*jwtkit_command(), *args],
        cwd=tmp_path,
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_a_master_key_file_other_users_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    # Restored from a backup with `cp`, or written by hand: with the sealed signing keys in
    # the database next to it (0644 too), any local user could sign tokens.
    key_file = tmp_path / "jwtkit.db.master-key"
    key_file.write_text(secrets.token_urlsafe(32) + "\n")
    key_file.chmod(mode)
    for command in (("serve",), ("admin", "users", "list")):
        started = _jwtkit(tmp_path, *command)
        assert started.returncode == 2, (command, started.stderr)
        assert "Traceback" not in started.stderr + started.stdout
        errors = [line for line in started.stderr.splitlines() if line.startswith("jwtkit: error")]
        assert len(errors) == 1 and f"chmod 600 {key_file}" in errors[0], started.stderr
    key_file.chmod(0o600)
    listed = _jwtkit(tmp_path, "admin", "users", "list")
    assert listed.returncode == 0, listed.stderr
