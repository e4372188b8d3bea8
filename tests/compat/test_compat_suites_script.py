"""The offline parts of scripts/compat_suites.py: the ``jwt`` shim and the report reader.

The script downloads other projects' suites, so CI never runs it; what makes its counts
trustworthy is checked here: ``import jwt`` really is the drop-in (submodules included, the
process-wide switch applied), and a junit report is counted as pytest wrote it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compat_suites", ROOT / "scripts" / "compat_suites.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat_suites"] = module
    spec.loader.exec_module(module)
    return module


def test_shim_answers_import_jwt_with_the_drop_in(tmp_path: Path) -> None:
    script = load_script()
    shims = script.write_shims(tmp_path)
    probe = (
        "import warnings, jwt, jwt.api_jwt, jwt.algorithms\n"
        "from jwt.jwks_client import PyJWKClient\n"
        "assert jwt.__name__ == 'jwtkit.compat.pyjwt', jwt.__name__\n"
        "assert jwt.api_jwt.__name__ == 'jwtkit.compat.pyjwt.api_jwt'\n"
        "assert PyJWKClient is jwt.PyJWKClient\n"
        "with warnings.catch_warnings(record=True):\n"
        "    warnings.simplefilter('always')\n"
        "    try:\n"
        "        jwt.encode({}, 'short')\n"
        "        print('relaxed')\n"
        "    except jwt.InvalidKeyError:\n"
        "        print('strict')\n"
    )
    for mode, expected in (("drop-in", "relaxed"), ("drop-in (strict)", "strict")):
        env = {**os.environ, "PYTHONPATH": str(shims[mode])}
        result = subprocess.run(
            [sys.executable, "-c", probe],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert result.stdout.strip() == expected


def test_report_counts_passed_failed_and_skipped(tmp_path: Path) -> None:
    script = load_script()
    report = tmp_path / "report.xml"
    report.write_text(
        '<?xml version="1.0"?><testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_a" name="test_ok"/>'
        '<testcase classname="tests.test_a" name="test_bad"><failure message="x"/></testcase>'
        '<testcase classname="tests.test_b" name="test_broken"><error message="y"/></testcase>'
        '<testcase classname="tests.test_b" name="test_skip"><skipped message="z"/></testcase>'
        "</testsuite></testsuites>"
    )
    outcome = script.read_report(report)
    assert (outcome.passed, outcome.failed, outcome.skipped) == (1, 2, 1)
    assert outcome.failures == ("tests.test_a::test_bad", "tests.test_b::test_broken")
