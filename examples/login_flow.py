"""The whole flow on one machine: log in, get a token, call a protected endpoint.

Two small HTTP servers on 127.0.0.1, standard library only plus jwtkit:

* the **issuer** checks a user's password against its (in-memory) user table, signs an
  ES256 access token (``typ: at+jwt``, RFC 9068) and publishes its public keys as a JWKS;
* the **resource server** fetches that JWKS with :class:`jwtkit.JWKSClient`, verifies the
  ``Authorization: Bearer`` token with a :class:`jwtkit.Verifier`, and answers 401 or 403 the
  way RFC 6750 §3 says.

Run it with ``uv run python examples/login_flow.py``. (The password hash here is the
standard library's scrypt so the example needs nothing else; jwtkit's server uses argon2id.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwtkit

ISSUER = "http://127.0.0.1/issuer"
AUDIENCE = "orders-api"

# -- the issuer ------------------------------------------------------------------------------

signing_key = jwtkit.Key.generate("ES256")


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


SALT = os.urandom(16)
USERS = {"alice": {"hash": hash_password("correct horse", SALT), "scope": "orders:read"}}


def login(username: str, password: str) -> str | None:
    """Check the credentials; on success sign a five-minute access token."""
    user = USERS.get(username)
    if user is None or not hmac.compare_digest(user["hash"], hash_password(password, SALT)):
        return None
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": username,
        "scope": user["scope"],
        "iat": now,
        "exp": now + 300,
    }
    return jwtkit.encode(claims, signing_key, headers={"typ": "at+jwt"})


class Handler(BaseHTTPRequestHandler):
    """A tiny JSON-over-HTTP handler: subclasses map (method, path) to a function."""

    Route = Callable[["Handler"], tuple[int, dict[str, str], Any]]
    routes: ClassVar[dict[tuple[str, str], Route]] = {}

    def _dispatch(self, method: str) -> None:
        route = self.routes.get((method, self.path))
        status, headers, body = route(self) if route else (404, {}, {"error": "not_found"})
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the example's output to what it demonstrates

    def json_body(self) -> Any:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length) or b"{}")


def token_endpoint(request: Handler) -> tuple[int, dict[str, str], Any]:
    body = request.json_body()
    token = login(str(body.get("username", "")), str(body.get("password", "")))
    if token is None:
        return 401, {}, {"error": "invalid_grant"}
    return 200, {"Cache-Control": "no-store"}, {"access_token": token, "token_type": "Bearer"}


def jwks_endpoint(request: Handler) -> tuple[int, dict[str, str], Any]:
    return 200, {"Cache-Control": "max-age=300"}, jwtkit.KeySet([signing_key]).to_dict()


class IssuerHandler(Handler):
    routes: ClassVar[dict[tuple[str, str], Handler.Route]] = {
        ("POST", "/token"): token_endpoint,
        ("GET", "/jwks.json"): jwks_endpoint,
    }


# -- the resource server ---------------------------------------------------------------------


def protected_endpoint(verifier: jwtkit.Verifier, needed_scope: str) -> Any:
    """An endpoint that needs a valid token carrying ``needed_scope`` (RFC 6750 §3)."""

    def endpoint(request: Handler) -> tuple[int, dict[str, str], Any]:
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            return 401, {"WWW-Authenticate": 'Bearer realm="orders"'}, {"error": "no token"}
        try:
            claims = verifier.verify(authorization.removeprefix("Bearer "))
        except jwtkit.InvalidTokenError as error:
            challenge = f'Bearer error="invalid_token", error_description="{error}"'
            return 401, {"WWW-Authenticate": challenge}, {"error": "invalid_token"}
        if needed_scope not in str(claims.get("scope", "")).split():
            challenge = f'Bearer error="insufficient_scope", scope="{needed_scope}"'
            return 403, {"WWW-Authenticate": challenge}, {"error": "insufficient_scope"}
        return 200, {}, {"hello": claims["sub"], "orders": [1, 2, 3]}

    return endpoint


def serve(handler: type[Handler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def call(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def main() -> list[tuple[str, int, Any]]:
    issuer = serve(IssuerHandler)
    issuer_url = f"http://127.0.0.1:{issuer.server_port}"
    # The client refuses plain http except on loopback, which is where this example lives.
    keys = jwtkit.JWKSClient(f"{issuer_url}/jwks.json")
    verifier = jwtkit.Verifier(
        keys, algorithms=["ES256"], issuer=ISSUER, audience=AUDIENCE, typ="at+jwt"
    )

    class ResourceHandler(Handler):
        routes: ClassVar[dict[tuple[str, str], Handler.Route]] = {
            ("GET", "/orders"): protected_endpoint(verifier, "orders:read"),
            ("GET", "/admin"): protected_endpoint(verifier, "orders:admin"),
        }

    api = serve(ResourceHandler)
    api_url = f"http://127.0.0.1:{api.server_port}"
    results = []
    try:
        status, body = call(
            "POST", f"{issuer_url}/token", {"username": "alice", "password": "nope"}
        )
        results.append(("login with a wrong password", status, body))
        status, body = call(
            "POST", f"{issuer_url}/token", {"username": "alice", "password": "correct horse"}
        )
        results.append(("login", status, {"token_type": body["token_type"]}))
        token = body["access_token"]
        for label, path, sent in (
            ("GET /orders with the token", "/orders", token),
            ("GET /orders without a token", "/orders", None),
            ("GET /orders with a tampered token", "/orders", token[:-4] + "AAAA"),
            ("GET /admin (scope missing)", "/admin", token),
        ):
            status, body = call("GET", f"{api_url}{path}", token=sent)
            results.append((label, status, body))
    finally:
        issuer.shutdown()
        api.shutdown()
    return results


if __name__ == "__main__":
    for label, status, body in main():
        print(f"{label:38} -> {status} {json.dumps(body)}")
