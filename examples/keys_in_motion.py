"""Keys in motion: an issuer that rotates its signing keys, and a resource server that follows.

The issuer keeps a jwtkit.KeyRing in an encrypted JSON file and serves ring.jwks() over HTTP;
the resource server verifies tokens through a jwtkit.JWKSClient pointed at that endpoint.
Run it with ``uv run python examples/keys_in_motion.py``; everything stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwtkit
from jwtkit.keyring import JSONFileKeyStore

# -- the issuer ---------------------------------------------------------------------------------

workdir = Path(tempfile.mkdtemp())
master_key = os.urandom(32)  # in production: from a secret manager, never next to the file
store = JSONFileKeyStore(workdir / "keyring.json", master_key=master_key)
ring = jwtkit.KeyRing(store, alg="ES256", rotate_every=30 * 86400, max_token_lifetime=3600)


class JWKSEndpoint(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(ring.jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/jwk-set+json")
        self.send_header("Cache-Control", "public, max-age=300")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


issuer = ThreadingHTTPServer(("127.0.0.1", 0), JWKSEndpoint)
threading.Thread(target=issuer.serve_forever, daemon=True).start()
jwks_url = f"http://127.0.0.1:{issuer.server_address[1]}/.well-known/jwks.json"


def issue_token(subject: str) -> str:
    now = int(time.time())
    claims = {"iss": "https://issuer.example", "sub": subject, "iat": now, "exp": now + 3600}
    return jwtkit.encode(claims, ring.signing_key())  # alg and kid come from the key


# -- the resource server ------------------------------------------------------------------------

client = jwtkit.JWKSClient(jwks_url)  # plain http is accepted for loopback only
verifier = jwtkit.Verifier(client, algorithms=["ES256"], issuer="https://issuer.example")

before_rotation = issue_token("alice")
print("verified:", verifier.verify(before_rotation)["sub"])

ring.rotate()  # next becomes current: verifiers already hold it, it was published as "next"
after_rotation = issue_token("bob")
print("verified:", verifier.verify(after_rotation)["sub"])
print("old token still verifies:", verifier.verify(before_rotation)["sub"])
print("JWKS requests so far:", client.fetch_count)

# The same with asyncio: AsyncJWKSClient never blocks the event loop.
async_verifier = jwtkit.Verifier(
    jwtkit.AsyncJWKSClient(jwks_url), algorithms=["ES256"], issuer="https://issuer.example"
)
print("verified async:", asyncio.run(async_verifier.verify_async(after_rotation))["sub"])

# A restarted issuer opens the same file with the same master key and signs with the same key.
reopened = jwtkit.KeyRing(JSONFileKeyStore(workdir / "keyring.json", master_key=master_key))
print("same current key after restart:", reopened.signing_key().kid == ring.signing_key().kid)

issuer.shutdown()
