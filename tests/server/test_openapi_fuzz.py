"""Schemathesis over the server's whole OpenAPI document, admin API included, on a real process.

Every operation gets generated requests, valid and invalid (examples, boundary "coverage"
cases, random fuzzing); the run fails on any response >= 500 and on any response whose
status, content type, headers or body the document does not describe. The admin routes are
called with a real admin token, introspection and revocation as a real confidential client
(tests/server/fuzz_hooks.py keeps both alive however the fuzzer abuses them).

The suite runs a small budget; a longer run is the same test with more examples per
operation (docs/security.md):

    JWTKIT_FUZZ_EXAMPLES=300 uv run pytest tests/server/test_openapi_fuzz.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from serving import serve_jwtkit

from .conftest import RELAXED_LIMITS

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def test_fuzzing_the_whole_api_finds_no_server_error_and_no_schema_mismatch(
    tmp_path: Path,
) -> None:
    examples = os.environ.get("JWTKIT_FUZZ_EXAMPLES", "3")
    seed = os.environ.get("JWTKIT_FUZZ_SEED", "20260901")
    env = {
        "JWTKIT_DATABASE_URL": "sqlite:///./jwtkit.db",
        **{f"JWTKIT_{name.upper()}": value for name, value in RELAXED_LIMITS.items()},
    }
    with serve_jwtkit(tmp_path, env=env) as server:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                server.url + "/openapi.json",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                examples,
                "--seed",
                seed,
                "--generation-database",
                "none",
                "--workers",
                "1",
                "--request-timeout",
                "60",
                "--no-color",
            ],
            cwd=tmp_path,
            env={
                **os.environ,
                **env,
                "JWTKIT_FUZZ_URL": server.url,
                "SCHEMATHESIS_HOOKS": "fuzz_hooks",
                "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path]),
            },
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        report = run.stdout + run.stderr
        output = server.output()
    assert run.returncode == 0, report[-30000:]
    assert "Authentication failed" not in report, report[-10000:]  # the admin API was reached
    assert "Traceback" not in output, output[-10000:]
