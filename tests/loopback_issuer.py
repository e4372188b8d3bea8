"""A small, real authorization server's public side on 127.0.0.1, for tests that must not
depend on ``jwtkit serve``: RFC 8414 metadata, the JWKS, and RFC 7662 introspection.

It runs ``http.server`` in a thread, signs RFC 9068 access tokens with keys made by jwtkit
(as the real server does: ES256, ``typ: at+jwt``, ``kid``), rotates and retires keys, keeps
a revocation list, and counts the requests it answers. ``responses`` overrides what a path
answers, so a test can make the issuer misbehave (another issuer's metadata, a redirect, a
huge body) the way an attacker or a broken deployment would.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import jwtkit

METADATA_PATH = "/.well-known/oauth-authorization-server"
OPENID_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
INTROSPECTION_PATH = "/auth/introspect"
CLIENT_ID = "orders-api"
CLIENT_SECRET = "introspection-secret-for-tests"


class LoopbackIssuer:
    """Serves until :meth:`close` (or the end of a ``with`` block)."""

    def __init__(
        self,
        *,
        algorithm: str = "ES256",
        issuer_path: str = "",
        audience: str = "api",
        metadata_at: str = METADATA_PATH,
    ) -> None:
        self.algorithm = algorithm
        self.audience = audience
        self.signing_key = jwtkit.Key.generate(algorithm, kid="key-1")
        # Like the real server: the next key is published before it signs anything.
        self.next_key = jwtkit.Key.generate(algorithm, kid="key-2")
        self.published: list[jwtkit.Key] = [self.signing_key, self.next_key]
        self.revoked: set[str] = set()
        self.requests: Counter[str] = Counter()
        self.introspection_auth: list[str | None] = []
        #: path -> (status, headers, body bytes): answered instead of the normal route.
        self.responses: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.metadata_overrides: dict[str, Any] = {}
        #: path -> event: a request to that path waits (at most 10 s) until it is set.
        self.hold: dict[str, threading.Event] = {}
        self._metadata_at = metadata_at
        self._lock = threading.Lock()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer._answer(self)

            def do_POST(self) -> None:
                issuer._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.issuer = self.base_url + issuer_path
        self.jwks_url = self.base_url + JWKS_PATH
        self.introspection_url = self.base_url + INTROSPECTION_PATH
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    # -- the issuer's side ----------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "token_endpoint": self.base_url + "/auth/token",
            "introspection_endpoint": self.introspection_url,
            "revocation_endpoint": self.base_url + "/auth/revoke",
            "grant_types_supported": ["password", "refresh_token", "client_credentials"],
            "scopes_supported": ["orders:read", "orders:write"],
            **self.metadata_overrides,
        }

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return jwtkit.KeySet([key.public_key() for key in self.published]).to_dict()

    def token(
        self,
        sub: str = "alice",
        scope: str | None = "orders:read",
        *,
        lifetime: int = 300,
        issued_at: int | None = None,
        key: jwtkit.Key | None = None,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """An RFC 9068 access token, as the server would sign it."""
        now = int(time.time()) if issued_at is None else issued_at
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub,
            "aud": self.audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "client_id": "web-app",
        }
        if scope is not None:
            payload["scope"] = scope
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwtkit.encode(
            payload, key or self.signing_key, headers={"typ": "at+jwt", **(headers or {})}
        )

    def rotate(self) -> jwtkit.Key:
        """Sign with the published next key from now on and publish a new next key; the old
        key stays published (next -> current -> retired), as the real server does."""
        with self._lock:
            self.signing_key = self.next_key
            self.next_key = jwtkit.Key.generate(
                self.algorithm, kid=f"key-{len(self.published) + 1}"
            )
            self.published.append(self.next_key)
        return self.signing_key

    def retire(self, key: jwtkit.Key) -> None:
        """Stop publishing ``key`` (tokens it signed no longer verify once clients refetch)."""
        with self._lock:
            self.published = [item for item in self.published if item.kid != key.kid]

    def revoke(self, token: str) -> None:
        self.revoked.add(jwtkit.decode(token, options={"verify_signature": False})["jti"])

    def _introspect(self, token: str) -> dict[str, Any]:
        try:
            claims = jwtkit.decode(
                token,
                jwtkit.KeySet.from_dict(self.jwks()),
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
            )
        except jwtkit.InvalidTokenError:
            return {"active": False}
        if claims["jti"] in self.revoked:
            return {"active": False}
        return {"active": True, "token_type": "access_token", **claims}

    # -- HTTP -----------------------------------------------------------------------------

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path = urlsplit(request.path).path
        with self._lock:
            self.requests[path] += 1
        gate = self.hold.get(path)
        if gate is not None:
            gate.wait(timeout=10)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        status, headers, payload = self._route(request.command, path, request, body)
        request.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _route(
        self, method: str, path: str, request: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if path in self.responses:
            return self.responses[path]
        if method == "GET" and path == self._metadata_at:
            return 200, {}, json.dumps(self.metadata()).encode()
        if method == "GET" and path == JWKS_PATH:
            return 200, {"Cache-Control": "public, max-age=300"}, json.dumps(self.jwks()).encode()
        if method == "POST" and path == INTROSPECTION_PATH:
            authorization = request.headers.get("Authorization")
            self.introspection_auth.append(authorization)
            if not self._client_authenticated(authorization):
                return 401, {"WWW-Authenticate": "Basic"}, b'{"error": "invalid_client"}'
            form = parse_qs(body.decode("ascii"))
            answer = self._introspect(form.get("token", [""])[0])
            return 200, {"Cache-Control": "no-store"}, json.dumps(answer).encode()
        return 404, {}, b'{"error": "not_found"}'

    @staticmethod
    def _client_authenticated(authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Basic "):
            return False
        decoded = base64.b64decode(authorization[6:]).decode()
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id) == CLIENT_ID and unquote_plus(secret) == CLIENT_SECRET

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> LoopbackIssuer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
