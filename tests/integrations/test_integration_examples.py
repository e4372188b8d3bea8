"""examples/: the orders API in FastAPI, Starlette, Flask and Django, each under its real
server (uvicorn or gunicorn) in its own process on 127.0.0.1, against the loopback issuer.

Each example reads only ``JWTKIT_ISSUER`` and ``JWTKIT_AUDIENCE`` (plus, here, the client
credentials that turn on introspection) from its environment, discovers the keys over HTTP
and must answer the whole flow the same way: health, 401 without a token, 200 with one,
403 without a scope, 401 when expired, a key rotation followed without a restart, 401 once
revoked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loopback_issuer import CLIENT_ID, CLIENT_SECRET, METADATA_PATH, LoopbackIssuer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SERVERS = {
    "fastapi": ["uvicorn", "--app-dir", str(EXAMPLES), "fastapi_api:app", "--log-level", "warning"],
    "starlette": [
        "uvicorn",
        "--app-dir",
        str(EXAMPLES),
        "starlette_api:app",
        "--log-level",
        "warning",
    ],
    "flask": ["gunicorn", "--chdir", str(EXAMPLES), "flask_api:app", "--workers", "1"],
    "django": ["gunicorn", "--chdir", str(EXAMPLES), "django_api:application", "--workers", "1"],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bind_arguments(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return ["--host", "127.0.0.1", "--port", str(port)]
    return ["--bind", f"127.0.0.1:{port}"]


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # at most ~30 s
        if process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    output = process.communicate(timeout=10)[0].decode(errors="replace")
    pytest.fail(f"{url} did not come up:\n{output[-3000:]}")


@pytest.fixture
def example(request: pytest.FixtureRequest, issuer: LoopbackIssuer) -> Iterator[str]:
    command = SERVERS[request.param]
    port = free_port()
    environment = {
        **os.environ,
        "JWTKIT_ISSUER": issuer.issuer,
        "JWTKIT_AUDIENCE": "api",
        "JWTKIT_CLIENT_ID": CLIENT_ID,
        "JWTKIT_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", *command, *bind_arguments(command[0], port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/health", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("example", list(SERVERS), indirect=True)
def test_an_example_api_answers_the_whole_flow(example: str, issuer: LoopbackIssuer) -> None:
    def call(method: str, path: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return httpx.request(method, example + path, headers=headers, timeout=10)

    missing = call("GET", "/secure-endpoint")
    assert (missing.status_code, missing.headers["www-authenticate"]) == (401, 'Bearer realm="api"')

    reader = issuer.token(scope="orders:read")
    hello = call("GET", "/secure-endpoint", reader)
    assert hello.json() == {"message": "Hello, alice", "scope": "orders:read"}
    assert issuer.requests[METADATA_PATH] >= 1  # it found the keys by discovery
    assert call("GET", "/orders", reader).json()["owner"] == "alice"

    refused = call("POST", "/orders", reader)
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"].endswith('scope="orders:write"')
    assert (
        call("POST", "/orders", issuer.token(scope="orders:read orders:write")).status_code == 201
    )

    expired = call("GET", "/orders", issuer.token(issued_at=int(time.time()) - 900))
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]
    assert call("GET", "/orders", reader[:-2] + "AA").status_code == 401

    issuer.rotate()
    rotated = issuer.token(scope="orders:read")
    assert call("GET", "/orders", rotated).status_code == 200  # no restart needed
    assert call("GET", "/orders", reader).status_code == 200  # the old key still verifies

    revoked = issuer.token(scope="orders:read")
    issuer.revoke(revoked)
    answer = call("GET", "/orders", revoked)
    assert answer.status_code == 401
    assert answer.json() == {
        "detail": {
            "error": "invalid_token",
            "error_description": "The access token has been revoked",
        }
    }
