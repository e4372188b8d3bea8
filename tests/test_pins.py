"""The pins: one exact version per package and tool, the same in both files, installed as pinned."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _constraints_lines() -> list[str]:
    text = (ROOT / "constraints.txt").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _pins_for_this_interpreter() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in _constraints_lines():
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (specifier,) = requirement.specifier
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_every_constraint_is_an_exact_pin_without_an_index() -> None:
    for line in _constraints_lines():
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", line
        assert requirement.url is None, line
    text = (ROOT / "constraints.txt").read_text()
    assert not re.search(r"--(extra-)?index-url|--find-links|https?://", text)


def test_pyproject_mirrors_constraints_txt() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["uv"]["constraint-dependencies"] == _constraints_lines()


def test_installed_environment_matches_the_pins() -> None:
    pins = _pins_for_this_interpreter()
    mismatched = []
    for distribution in metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        if name == "jwtkit":
            continue
        if pins.get(name) != distribution.version:
            mismatched.append(f"{name} {distribution.version} (pinned: {pins.get(name)})")
    assert mismatched == []


def test_markers_in_the_pins_parse() -> None:
    for line in _constraints_lines():
        if ";" in line:
            Marker(line.split(";", 1)[1])
