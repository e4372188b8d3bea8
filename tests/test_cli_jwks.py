"""``jwtkit token verify --jwks URL`` against a JWKS served on loopback by http.server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import jwtkit
from jwtkit.cli.app import app

# Plain output whatever the CI terminal settings: Rich styles only a real terminal.
runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})
ISSUER_KEYS = [jwtkit.Key.generate("RS256", kid="2026-11"), jwtkit.Key.generate("ES256")]


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = json.dumps(jwtkit.KeySet(ISSUER_KEYS).to_dict()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/jwk-set+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/.well-known/jwks.json"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_verify_with_jwks_url_finds_each_key(jwks_url: str) -> None:
    for key, alg in zip(ISSUER_KEYS, ("RS256", "ES256"), strict=True):
        token = jwtkit.encode({"sub": "alice"}, key, alg)
        result = run("token", "verify", token, "--jwks", jwks_url, "--alg", "RS256,ES256", "--json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["header"]["kid"] == key.kid


def test_verify_with_jwks_url_rejects_an_unknown_kid(jwks_url: str) -> None:
    stranger = jwtkit.Key.generate("RS256", kid="not-published")
    token = jwtkit.encode({"sub": "mallory"}, stranger, "RS256")
    result = run("token", "verify", token, "--jwks", jwks_url, "--alg", "RS256")
    assert result.exit_code == 1
    assert result.stderr.startswith("jwtkit: error: invalid token")
    assert len(result.stderr.splitlines()) == 1


def test_verify_with_jwks_url_rejects_a_forged_signature(jwks_url: str) -> None:
    impostor = jwtkit.Key.generate("RS256", kid="2026-11")  # claims the published kid
    token = jwtkit.encode({"sub": "mallory"}, impostor, "RS256")
    result = run("token", "verify", token, "--jwks", jwks_url, "--alg", "RS256")
    assert result.exit_code == 1
    assert "Signature verification failed" in result.stderr


def test_decode_with_jwks_url_verifies(jwks_url: str) -> None:
    token = jwtkit.encode({"sub": "alice"}, ISSUER_KEYS[1], "ES256")
    result = run("token", "decode", token, "--jwks", jwks_url, "--alg", "ES256", "--json")
    assert json.loads(result.stdout)["verified"] is True


def test_unreachable_jwks_is_a_usage_error_not_an_invalid_token() -> None:
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = jwtkit.encode({}, ISSUER_KEYS[0], "RS256")
    url = f"http://127.0.0.1:{port}/jwks.json"
    result = run("token", "verify", token, "--jwks", url, "--alg", "RS256")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("jwtkit: error: ") and "JWKS" in result.stderr


def test_rejects_plain_http_jwks_url_off_loopback() -> None:
    token = jwtkit.encode({}, ISSUER_KEYS[0], "RS256")
    result = run("token", "verify", token, "--jwks", "http://jwks.example/keys", "--alg", "RS256")
    assert result.exit_code == 2
    assert "https" in result.stderr


def test_rejects_file_url_as_jwks() -> None:
    token = jwtkit.encode({}, ISSUER_KEYS[0], "RS256")
    result = run("token", "verify", token, "--jwks", "file:///etc/passwd", "--alg", "RS256")
    assert result.exit_code == 2
    assert "https" in result.stderr


def test_an_unreachable_jwks_says_could_not_fetch_once() -> None:
    with socket.socket() as closed:  # bound, never listening: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    token = jwtkit.encode({"sub": "a"}, ISSUER_KEYS[1], "ES256")
    result = run("token", "verify", token, "--jwks", f"http://127.0.0.1:{port}/jwks.json",
                 "--alg", "ES256")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.count("Could not fetch the JWKS") == 1, result.stderr
