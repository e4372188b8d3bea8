"""Schemathesis hooks for fuzzing a running ``jwtkit serve`` (tests/server/test_openapi_fuzz.py).

The fuzzer calls the admin API with a real admin token, and it will end that admin's sessions
sooner or later (it learns ids from ``GET /admin/users`` and resets the password, disables or
deletes the user): on a 401 Schemathesis asks for a fresh token, which is a new login, or a
new admin made with ``jwtkit admin`` when the old one is gone. Introspection and revocation
are called as a real confidential client. The server's URL and ``JWTKIT_*`` settings come
from the environment the test sets.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from typing import Any

import httpx
import schemathesis

_BEARER_PATHS = r"^/(admin/|auth/(userinfo|password|logout|consents))"
_CLIENT_PATHS = r"^/auth/(introspect|revoke)$"


def _admin(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "jwtkit.cli", "admin", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
        check=True,
    )
    return done.stdout


@schemathesis.auth().apply_to(path_regex=_BEARER_PATHS)
class AdminToken:
    def __init__(self) -> None:
        self.username: str | None = None
        self.password = ""

    def get(self, case: Any, context: Any) -> str:
        url = os.environ["JWTKIT_FUZZ_URL"]
        for _ in range(2):
            if self.username is None:  # the last admin is gone (or there was none): a new one
                self.username = f"fuzz-admin-{secrets.token_hex(6)}"
                self.password = secrets.token_urlsafe(16)
                _admin(
                    "users",
                    "create",
                    self.username,
                    "--admin",
                    "--password-stdin",
                    stdin=self.password + "\n",
                )
            response = httpx.post(
                url + "/auth/login",
                json={"username": self.username, "password": self.password, "scope": "admin"},
                timeout=60,
            )
            if response.status_code == 200:
                return str(response.json()["access_token"])
            self.username = None
        raise RuntimeError(f"cannot log in a fuzzing admin: {response.text}")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=_CLIENT_PATHS)
class ConfidentialClient:
    credentials: tuple[str, str] | None = None

    def get(self, case: Any, context: Any) -> tuple[str, str]:
        if ConfidentialClient.credentials is None:
            created = json.loads(
                _admin(
                    "clients", "create", "fuzzing", "--grant-type", "client_credentials", "--json"
                )
            )
            ConfidentialClient.credentials = (created["client_id"], created["client_secret"])
        return ConfidentialClient.credentials

    def set(self, case: Any, data: tuple[str, str], context: Any) -> None:
        basic = base64.b64encode(f"{data[0]}:{data[1]}".encode()).decode()
        case.headers = {**(case.headers or {}), "Authorization": f"Basic {basic}"}
