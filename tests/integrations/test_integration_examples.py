"""examples/: the orders API in FastAPI, Starlette, Flask and Django, each under its real
server (uvicorn or gunicorn) in its own process on 127.0.0.1, against the loopback issuer.

Each example reads only ``JWTKIT_ISSUER`` and ``JWTKIT_AUDIENCE`` (plus, here, the client
credentials that turn on introspection) from its environment, discovers the keys over HTTP
and must answer the whole flow the same way: health, 401 without a token, 200 with one,
403 without a scope, 401 when expired, a key rotation followed without a restart, 401 once
revoked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from processes import free_port, running

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


def bind_arguments(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return ["--host", "127.0.0.1", "--port", str(port)]
    return ["--bind", f"127.0.0.1:{port}"]


@contextmanager
def example_api(framework: str, environment: dict[str, str]) -> Iterator[str]:
    """The example of ``framework`` under its real server; yields its base URL."""
    command = SERVERS[framework]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([*command, *bind_arguments(command[0], port)], environment, f"{base}/health"):
        yield base


@pytest.fixture
def example(request: pytest.FixtureRequest, issuer: LoopbackIssuer) -> Iterator[str]:
    environment = {
        "JWTKIT_ISSUER": issuer.issuer,
        "JWTKIT_AUDIENCE": "api",
        "JWTKIT_CLIENT_ID": CLIENT_ID,
        "JWTKIT_CLIENT_SECRET": CLIENT_SECRET,
    }
    with example_api(request.param, environment) as base:
        yield base


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
    # The signature's last characters changed (to other ones: 1 token in 256 ends in "AA").
    tampered = reader[:-2] + ("BA" if reader.endswith("AA") else "AA")
    assert call("GET", "/orders", tampered).status_code == 401

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
