"""Re-resolve every dependency and tool and write the exact pins to ``constraints.txt``.

Run it on purpose, when upgrading: ``python scripts/update_pins.py``. It drops the current
pins from ``pyproject.toml``, lets uv resolve the newest versions the ranges allow, and
writes the result twice: to ``constraints.txt`` (for pip and for people) and to
``[tool.uv] constraint-dependencies`` (which ``uv run`` and ``uv sync`` obey). The file
names no package index: where packages come from is the installer's business, not the
repository's. ``tests/test_pins.py`` checks that the two copies agree and that the
installed environment matches them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CONSTRAINTS = ROOT / "constraints.txt"
BLOCK = re.compile(r"constraint-dependencies = \[\n(?:    .*\n)*\]\n")
# Tools the repository runs that no dependency list names.
TOOLS = ["uv==0.13.9"]


def main() -> int:
    text = PYPROJECT.read_text()
    PYPROJECT.write_text(BLOCK.sub("constraint-dependencies = [\n]\n", text))
    subprocess.run(["uv", "lock", "--upgrade", "--quiet"], cwd=ROOT, check=True)
    exported = subprocess.run(
        [
            "uv",
            "export",
            "--format",
            "requirements-txt",
            "--no-hashes",
            "--no-emit-project",
            "--all-extras",
            "--all-groups",
            "--no-header",
            "--no-annotate",
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pins = sorted(line for line in exported.splitlines() if line and not line.startswith("#"))
    pins = sorted(pins + TOOLS, key=str.lower)
    header = (
        "# Exact versions of every dependency and tool; regenerate with scripts/update_pins.py.\n"
    )
    CONSTRAINTS.write_text(header + "\n".join(pins) + "\n")
    block = "constraint-dependencies = [\n" + "".join(f'    "{pin}",\n' for pin in pins) + "]\n"
    PYPROJECT.write_text(BLOCK.sub(block, PYPROJECT.read_text()))
    print(f"pinned {len(pins)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
