"""Run real PyJWT consumers' test suites against real PyJWT and against jwtkit's drop-in.

Nothing of theirs is committed: this script downloads the sdists of PyJWT,
flask-jwt-extended and djangorestframework-simplejwt from PyPI into a work directory,
builds a throwaway virtual environment there (jwtkit from this checkout, real PyJWT, and the
suites' test dependencies), and runs each suite with pytest twice: once as published, and
once with ``import jwt`` answered by ``jwtkit.compat.pyjwt`` (a ``jwt`` package on
``PYTHONPATH`` that aliases the drop-in and its submodules). It prints passed/failed counts
side by side. Usage (docs/migrating-from-pyjwt.md explains the numbers)::

    python scripts/compat_suites.py                  # every suite, relaxed key length
    python scripts/compat_suites.py --strict         # the drop-in's default weak-key refusal
    python scripts/compat_suites.py --suite pyjwt-2.12.1 --failures
    python scripts/compat_suites.py --workdir /tmp/compat --keep   # reuse downloads

The drop-in runs "as a migrating team would": with the one process-wide switch
``jwtkit.compat.pyjwt.configure(enforce_minimum_key_length=False)``, because these suites
sign with six-byte secrets and 1024-bit RSA keys. ``--strict`` leaves the default on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DROP_IN_SUBMODULES = (
    "algorithms",
    "api_jwk",
    "api_jws",
    "api_jwt",
    "exceptions",
    "jwks_client",
    "types",
    "utils",
    "warnings",
)
#: What runs as ``jwt`` in the drop-in runs; {configure} is filled per mode.
SHIM = '''"""``import jwt`` answered by jwtkit's PyJWT drop-in (written by compat_suites.py)."""
import importlib
import sys

import jwtkit.compat.pyjwt as drop_in

for _name in {submodules!r}:
    sys.modules["jwt." + _name] = importlib.import_module("jwtkit.compat.pyjwt." + _name)
{configure}
sys.modules["jwt"] = drop_in
'''
#: Packages the suites import besides PyJWT (and pytest); pinned by constraints.txt where
#: the project pins them.
TEST_DEPENDENCIES = (
    "pytest",
    "pyjwt==2.15.1",
    "cryptography",
    "flask",
    "python-dateutil",
    "django",
    "djangorestframework",
    "freezegun",
    "pytest-django",
    "python-jose",
)


@dataclass(frozen=True)
class Suite:
    """One published test suite: the sdist it comes from and how to run it."""

    name: str
    distribution: str
    version: str
    #: Run from a copy holding only these paths, so the sdist's own ``jwt`` package is not
    #: importable (PyJWT's suites); None runs in the unpacked sdist (the consumers, whose
    #: own package must be importable).
    copy_only: tuple[str, ...] | None = None


SUITES = (
    # PyJWT 2.12's suite: 344 tests run (4 more are skipped), the "older suite" of issue 12.
    Suite("pyjwt-2.12.1", "pyjwt", "2.12.1", copy_only=("tests", "pyproject.toml")),
    Suite("pyjwt-2.15.1", "pyjwt", "2.15.1", copy_only=("tests", "pyproject.toml")),
    Suite("flask-jwt-extended-4.7.4", "flask-jwt-extended", "4.7.4"),
    Suite("djangorestframework-simplejwt-5.5.1", "djangorestframework-simplejwt", "5.5.1"),
)


@dataclass(frozen=True)
class Outcome:
    passed: int
    failed: int
    skipped: int
    failures: tuple[str, ...]


def run(command: list[str], **kwargs: object) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def download(suite: Suite, sdists: Path) -> Path:
    """The unpacked sdist of ``suite`` (downloaded once per work directory)."""
    target = sdists / f"{suite.distribution}-{suite.version}"
    if target.exists():
        return target
    archive_dir = sdists / "archives"
    archive_dir.mkdir(parents=True, exist_ok=True)
    spec = f"{suite.distribution}=={suite.version}"
    before = set(archive_dir.iterdir())
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-binary",
            ":all:",
            "--no-deps",
            "-d",
            str(archive_dir),
            spec,
        ]
    )
    fresh = [path for path in set(archive_dir.iterdir()) - before if path.suffix == ".gz"]
    archive = fresh[0] if fresh else _find_archive(archive_dir, suite)
    with tarfile.open(archive) as tar:
        top = tar.getnames()[0].split("/")[0]
        tar.extractall(sdists, filter="data")
    (sdists / top).rename(target)
    return target


def _find_archive(archive_dir: Path, suite: Suite) -> Path:
    wanted = suite.distribution.replace("-", "_").lower()
    for path in archive_dir.iterdir():
        if path.name.lower().replace("-", "_").startswith(f"{wanted}-{suite.version}"):
            return path
    raise SystemExit(f"no sdist found for {suite.distribution} {suite.version}")


def make_venv(workdir: Path) -> Path:
    """A throwaway environment: jwtkit from this checkout plus the suites' dependencies."""
    venv = workdir / "venv"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)])
    run(
        [
            "uv",
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "-c",
            str(ROOT / "constraints.txt"),
            "-e",
            str(ROOT),
            *TEST_DEPENDENCIES,
        ]
    )
    return python


def write_shims(workdir: Path) -> dict[str, Path]:
    """One ``jwt`` package per drop-in mode, to put first on PYTHONPATH."""
    modes = {
        "drop-in": "drop_in.configure(enforce_minimum_key_length=False)",
        "drop-in (strict)": "",
    }
    shims = {}
    for index, (mode, configure) in enumerate(modes.items()):
        package = workdir / f"shim-{index}" / "jwt"
        package.mkdir(parents=True, exist_ok=True)
        text = SHIM.format(submodules=DROP_IN_SUBMODULES, configure=configure)
        (package / "__init__.py").write_text(text)
        shims[mode] = package.parent
    return shims


def suite_directory(suite: Suite, unpacked: Path, workdir: Path) -> Path:
    if suite.copy_only is None:
        return unpacked
    target = workdir / "runs" / suite.name
    if not target.exists():
        target.mkdir(parents=True)
        for name in suite.copy_only:
            source = unpacked / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            else:
                shutil.copy2(source, target / name)
    return target


def run_suite(python: Path, directory: Path, shim: Path | None, report: Path) -> Outcome:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if shim is not None:
        env["PYTHONPATH"] = str(shim)
        # Prove that `import jwt` is the drop-in before trusting any count.
        probe = subprocess.run(
            [str(python), "-c", "import jwt; print(jwt.__name__)"],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        if probe.stdout.strip() != "jwtkit.compat.pyjwt":
            raise SystemExit(f"`import jwt` is {probe.stdout.strip()!r}, not the drop-in")
    subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--continue-on-collection-errors",
            "--junitxml",
            str(report),
            "-o",
            "addopts=",
            "tests",
        ],
        cwd=directory,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return read_report(report)


def read_report(report: Path) -> Outcome:
    passed = failed = skipped = 0
    failures = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append(test_id)
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return Outcome(passed, failed, skipped, tuple(failures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="where to download and run (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--suite", action="append", help="run only these suites (repeatable)")
    parser.add_argument("--strict", action="store_true", help="also run the drop-in strict")
    parser.add_argument("--failures", action="store_true", help="list the drop-in's failures")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jwtkit-compat-"))
    workdir.mkdir(parents=True, exist_ok=True)
    suites = [suite for suite in SUITES if not args.suite or suite.name in args.suite]
    try:
        python = make_venv(workdir)
        shims = write_shims(workdir)
        modes: dict[str, Path | None] = {"PyJWT 2.15.1": None, "drop-in": shims["drop-in"]}
        if args.strict:
            modes["drop-in (strict)"] = shims["drop-in (strict)"]
        rows = []
        for suite in suites:
            directory = suite_directory(suite, download(suite, workdir / "sdists"), workdir)
            for mode, shim in modes.items():
                report = workdir / "reports" / f"{suite.name}-{len(rows)}.xml"
                report.parent.mkdir(exist_ok=True)
                outcome = run_suite(python, directory, shim, report)
                rows.append((suite.name, mode, outcome))
        print(
            f"\n{'suite':<38} {'run against':<18} {'passed':>7} {'failed':>7} {'skipped':>8} "
            f"{'fail only here':>15}"
        )
        baseline: dict[str, Outcome] = {}
        for name, mode, outcome in rows:
            if modes[mode] is None:
                baseline[name] = outcome
            only_here = set(outcome.failures) - set(baseline[name].failures)
            print(
                f"{name:<38} {mode:<18} {outcome.passed:>7} {outcome.failed:>7} "
                f"{outcome.skipped:>8} {len(only_here):>15}"
            )
        if args.failures:
            for name, mode, outcome in rows:
                only_here = sorted(set(outcome.failures) - set(baseline[name].failures))
                if only_here:
                    print(f"\n{name}: fails against {mode} but passes against PyJWT 2.15.1")
                    for test_id in only_here:
                        print(f"  {test_id}")
    finally:
        if args.workdir is None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep or args.workdir:
            print(f"\nwork directory: {workdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
