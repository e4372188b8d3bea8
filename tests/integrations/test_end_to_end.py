"""The whole flow with real processes: ``jwtkit serve`` and each example API under its real
server (uvicorn for FastAPI and Starlette, gunicorn for Flask and Django), on loopback.

A user logs in at the server; the API, configured with only the issuer, its audience and
(for revocation) a confidential client, discovers the keys over HTTP and accepts the token;
a missing scope is 403; the server's signing key is rotated (its admin API)
and tokens signed before and after both pass without restarting the API; a revoked token is
refused (introspection); an expired token is refused. One parametrized test, the same flow
for every framework.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from processes import free_port, running
from test_integration_examples import SERVERS, example_api

import jwtkit

PASSWORD = "correct horse battery staple"
LIFETIME = 30  # the server's shortest access-token lifetime


@dataclass
class AuthorizationServer:
    url: str
    database_url: str
    client_id: str
    client_secret: str
    expiring_token: str

    def login(self, scope: str, username: str = "alice") -> str:
        answer = httpx.post(
            f"{self.url}/auth/login",
            json={"username": username, "password": PASSWORD, "scope": scope},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def admin(self, *arguments: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "jwtkit.cli", "admin", *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env={"JWTKIT_DATABASE_URL": self.database_url, "PATH": ""},
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthorizationServer]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'jwtkit.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    setup = AuthorizationServer(url, database_url, "", "", "")
    setup.admin(
        "users", "create", "alice", "--scope", "orders:read", "--scope", "orders:write",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    setup.admin(
        "users", "create", "root", "--admin", "--scope", "admin", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    client = json.loads(
        setup.admin(
            "clients", "create", "orders-api", "--grant-type", "client_credentials", "--json"
        )
    )
    environment = {
        "JWTKIT_DATABASE_URL": database_url,
        "JWTKIT_AUDIENCE": "api",
        "JWTKIT_ACCESS_TOKEN_LIFETIME": str(LIFETIME),
        # Every login here comes from 127.0.0.1: more than the default per-IP limit allows.
        "JWTKIT_RATE_LIMIT_LOGIN_PER_IP": "1000/minute",
    }
    serve = ["jwtkit.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running(serve, environment, f"{url}/.well-known/oauth-authorization-server"):
        setup.client_id, setup.client_secret = client["client_id"], client["client_secret"]
        setup.expiring_token = setup.login("orders:read")  # checked once it has expired
        yield setup


def test_jwtkit_serve_is_on_main() -> None:
    assert (Path(jwtkit.__file__).parent / "server").is_dir()


@pytest.mark.parametrize("framework", list(SERVERS))
def test_the_whole_flow_against_jwtkit_serve(framework: str, server: AuthorizationServer) -> None:
    environment = {
        "JWTKIT_ISSUER": server.url,
        "JWTKIT_AUDIENCE": "api",
        "JWTKIT_CLIENT_ID": server.client_id,
        "JWTKIT_CLIENT_SECRET": server.client_secret,
    }
    with example_api(framework, environment) as api:

        def call(method: str, path: str, token: str | None = None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            return httpx.request(method, api + path, headers=headers, timeout=30)

        assert call("GET", "/secure-endpoint").status_code == 401
        reader = server.login("orders:read")
        assert call("GET", "/secure-endpoint", reader).status_code == 200
        assert call("GET", "/orders", reader).status_code == 200
        refused = call("POST", "/orders", reader)
        assert refused.status_code == 403
        assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
        assert call("POST", "/orders", server.login("orders:read orders:write")).status_code == 201

        old_kid = jwtkit.get_unverified_header(reader)["kid"]
        admin = server.login("admin", username="root")
        rotation = httpx.post(
            f"{server.url}/admin/keys/rotate",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        )
        assert rotation.status_code == 200, rotation.text
        rotated = server.login("orders:read")
        assert jwtkit.get_unverified_header(rotated)["kid"] != old_kid
        assert call("GET", "/orders", rotated).status_code == 200  # no restart
        assert call("GET", "/orders", reader).status_code == 200

        revoked = server.login("orders:read")
        answer = httpx.post(
            f"{server.url}/auth/revoke",
            data={"token": revoked, "client_id": "jwtkit-first-party"},
            timeout=30,
        )
        assert answer.status_code == 200
        refused = call("GET", "/orders", revoked)
        assert refused.status_code == 401
        assert refused.json()["detail"]["error_description"] == "The access token has been revoked"

        expires = jwtkit.decode(server.expiring_token, options={"verify_signature": False})["exp"]
        for _ in range(LIFETIME * 2 + 20):  # bounded: wait (at most ~LIFETIME) for the exp
            if time.time() > expires + 1:
                break
            time.sleep(0.5)
        expired = call("GET", "/secure-endpoint", server.expiring_token)
        assert expired.status_code == 401
        assert expired.json()["detail"]["error_description"] == "The access token has expired"
