"""Several ``jwtkit serve`` processes on one database (and one Redis): a fleet for tests.

Every replica gets the same issuer, master key and settings, as a real deployment behind a
load balancer would; ``jwtkit admin`` runs with the same environment, so it acts on the
fleet's database.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from serving import ServerProcess, jwtkit_command, serve_jwtkit_replicas

from .conftest import MASTER_KEY, RELAXED_LIMITS

ISSUER = "http://jwtkit.test"
PASSWORD = "correct horse battery"


def fleet_env(
    database_url: str,
    *,
    redis_url: str | None = None,
    redis_prefix: str | None = None,
    relaxed_limits: bool = True,
    **settings: object,
) -> dict[str, str]:
    """The ``JWTKIT_*`` environment every replica of one deployment shares."""
    env = {
        "JWTKIT_DATABASE_URL": database_url,
        "JWTKIT_MASTER_KEY": MASTER_KEY,
        "JWTKIT_ISSUER": ISSUER,
        "JWTKIT_LOG_LEVEL": "info",
    }
    if relaxed_limits:
        env.update({f"JWTKIT_{name.upper()}": value for name, value in RELAXED_LIMITS.items()})
    if redis_url is not None:
        env["JWTKIT_REDIS_URL"] = redis_url
    if redis_prefix is not None:
        env["JWTKIT_REDIS_PREFIX"] = redis_prefix
    env.update({f"JWTKIT_{name.upper()}": str(value) for name, value in settings.items()})
    return env


@dataclass
class Fleet:
    replicas: list[ServerProcess]
    env: dict[str, str]
    cwd: Path
    _client: tuple[str, str] | None = None

    def http(self, index: int, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.replicas[index].url, timeout=30, **options)

    def admin(self, *args: str, stdin: str | None = None) -> str:
        """``jwtkit admin ARGS`` against the fleet's database; its stdout."""
        import os

        done = subprocess.run(
            [*jwtkit_command(), "admin", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def confidential_client(self) -> tuple[str, str]:
        """A confidential client (one per fleet: ``jwtkit admin`` takes seconds to start)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> tuple[str, str]:
        created = json.loads(
            self.admin(
                "clients",
                "create",
                "resource server",
                "--grant-type",
                "client_credentials",
                "--json",
            )
        )
        return created["client_id"], created["client_secret"]

    def admin_token(self, http: httpx.Client) -> str:
        """A new admin user's access token with the ``admin`` scope, logged in through ``http``."""
        name = f"admin-{secrets.token_hex(4)}"
        self.admin("users", "create", name, "--admin", "--password-stdin", stdin=PASSWORD + "\n")
        response = http.post(
            "/auth/login", json={"username": name, "password": PASSWORD, "scope": "admin"}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


@contextmanager
def run_fleet(
    cwd: Path,
    count: int,
    env: Mapping[str, str],
    *,
    args: Sequence[str] = (),
    ready_path: str = "/healthz",
) -> Iterator[Fleet]:
    with serve_jwtkit_replicas(cwd, count, env=env, args=args, ready_path=ready_path) as replicas:
        yield Fleet(replicas, dict(env), cwd)


def register_and_login(http: httpx.Client, username: str) -> dict[str, Any]:
    registered = http.post("/auth/register", json={"username": username, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    response = http.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def introspect(http: httpx.Client, credentials: tuple[str, str], token: str) -> dict[str, Any]:
    response = http.post("/auth/introspect", data={"token": token}, auth=credentials)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
