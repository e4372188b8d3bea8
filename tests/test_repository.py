"""The repository itself: what running the quick start creates in a clone is ignored by git,
so a newcomer's ``git add -A`` cannot commit the database or the master key that decrypts
its signing keys (nor a lock file naming a package index)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "path",
    [
        "jwtkit.db",
        "jwtkit.db-wal",
        "jwtkit.db-shm",
        "jwtkit.db.master-key",
        "deploy/secrets/prod.master-key",
        "uv.lock",
    ],
)
def test_what_the_quick_start_creates_is_ignored(path: str) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "--quiet", path],
        cwd=ROOT,
        check=False,
        timeout=30,
    )
    assert checked.returncode == 0, f"{path} is not ignored"
