"""``PyJWKClient`` against a JWKS endpoint on a loopback ``http.server`` in a thread, on
PyJWT (urllib) and on ``jwtkit.compat.pyjwt`` (jwtkit's JWKSClient). The server counts
requests, so caching and refetching are checked by count, never by time."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest


class JWKSEndpoint:
    """What the endpoint serves, and what it saw."""

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.status = 200
        self.requests: list[dict[str, str]] = []
        self.url = ""


@pytest.fixture(scope="module")
def server() -> Iterator[JWKSEndpoint]:
    endpoint = JWKSEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.requests.append(dict(self.headers))
            body = json.dumps(endpoint.document).encode()
            self.send_response(endpoint.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{httpd.server_address[1]}/.well-known/jwks.json"
    yield endpoint
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def endpoint(server: JWKSEndpoint, keys: dict[str, Any]) -> JWKSEndpoint:
    """The endpoint reset to serve an RSA and an EC signing key and an encryption key."""
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    rsa_jwk = RSAAlgorithm.to_jwk(keys["RS"].public, as_dict=True)
    del rsa_jwk["key_ops"]
    ec_jwk = ECAlgorithm.to_jwk(keys["ES256"].public, as_dict=True)
    ec384_jwk = ECAlgorithm.to_jwk(keys["ES384"].public, as_dict=True)
    server.document = {
        "keys": [
            {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
            {**ec_jwk, "kid": "ec-1"},
            {**ec384_jwk, "kid": "enc-1", "use": "enc"},
        ]
    }
    server.status = 200
    server.requests.clear()
    return server


def test_signing_key_from_jwt_verifies_the_token(
    jwt: ModuleType, endpoint: JWKSEndpoint, keys: dict[str, Any]
) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    token = jwt.encode({"a": 1}, keys["RS"].private, algorithm="RS256", headers={"kid": "rsa-1"})
    signing_key = client.get_signing_key_from_jwt(token)
    assert signing_key.key_id == "rsa-1"
    assert jwt.decode(token, signing_key.key, algorithms=["RS256"]) == {"a": 1}
    assert jwt.decode(token, signing_key, algorithms=["RS256"]) == {"a": 1}


def test_signing_key_by_kid(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    key = client.get_signing_key("ec-1")
    assert key.algorithm_name == "ES256"
    assert key.key_type == "EC"


def test_unknown_kid(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_key("no-such-kid")


def test_encryption_key_is_not_a_signing_key(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    assert [key.key_id for key in client.get_signing_keys()] == ["rsa-1", "ec-1"]
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_key("enc-1")


def test_key_set_is_cached(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    client.get_signing_key("rsa-1")
    client.get_signing_key("ec-1")
    client.get_jwk_set()
    assert len(endpoint.requests) == 1


def test_refresh_forces_a_request(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    client.get_jwk_set()
    client.get_jwk_set(refresh=True)
    assert len(endpoint.requests) == 2


def test_without_set_cache_every_call_fetches(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url, cache_jwk_set=False)
    client.get_signing_key("rsa-1")
    client.get_signing_key("rsa-1")
    assert len(endpoint.requests) == 2


def test_cache_keys_remembers_signing_keys(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url, cache_keys=True, cache_jwk_set=False)
    first = client.get_signing_key("rsa-1")
    assert client.get_signing_key("rsa-1") is first
    assert len(endpoint.requests) == 1


def test_rotated_key_is_found_by_refetching(
    jwt: ModuleType, endpoint: JWKSEndpoint, keys: dict[str, Any]
) -> None:
    client = jwt.PyJWKClient(endpoint.url, cooldown_duration=0)
    client.get_signing_key("rsa-1")
    okp = jwt.algorithms.OKPAlgorithm.to_jwk(keys["EdDSA"].public, as_dict=True)
    endpoint.document = {"keys": [*endpoint.document["keys"], {**okp, "kid": "new"}]}
    assert client.get_signing_key("new").algorithm_name == "EdDSA"
    assert len(endpoint.requests) == 2


def test_unknown_kid_within_cooldown_does_not_refetch(
    jwt: ModuleType, endpoint: JWKSEndpoint
) -> None:
    client = jwt.PyJWKClient(endpoint.url, cooldown_duration=3600)
    client.get_signing_key("rsa-1")
    for _ in range(3):
        with pytest.raises(jwt.PyJWKClientError):
            client.get_signing_key("made-up")
    assert len(endpoint.requests) == 1


def test_fetch_data_returns_the_document(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    data = client.fetch_data()
    assert isinstance(data, dict)
    assert [key["kid"] for key in data["keys"]] == ["rsa-1", "ec-1", "enc-1"]
    assert len(endpoint.requests) == 1


def test_headers_are_sent(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url, headers={"X-Request-Source": "tests"})
    client.get_jwk_set()
    assert endpoint.requests[0].get("X-Request-Source") == "tests"


def test_http_error_status(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    endpoint.status = 500
    client = jwt.PyJWKClient(endpoint.url)
    with pytest.raises(jwt.PyJWKClientConnectionError):
        client.get_signing_key("rsa-1")


def test_unreachable_endpoint(jwt: ModuleType) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = jwt.PyJWKClient(f"http://127.0.0.1:{port}/jwks.json", timeout=5)
    with pytest.raises(jwt.PyJWKClientConnectionError):
        client.get_jwk_set()


def test_set_without_signing_keys(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    endpoint.document = {"keys": [endpoint.document["keys"][2]]}
    client = jwt.PyJWKClient(endpoint.url)
    with pytest.raises(jwt.PyJWKClientError):
        client.get_signing_keys()


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "ftp://127.0.0.1/jwks.json"])
def test_refuses_non_http_uri(jwt: ModuleType, uri: str) -> None:
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(uri)


def test_refuses_bad_cache_settings(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(endpoint.url, lifespan=0)
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(endpoint.url, cooldown_duration=-1)


def test_match_kid(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    signing_keys = client.get_signing_keys()
    assert client.match_kid(signing_keys, "ec-1").key_id == "ec-1"
    assert client.match_kid(signing_keys, "nope") is None


# -- deliberate differences (see docs/migrating-from-pyjwt.md) -------------------------------


def test_rejects_jwks_that_publishes_private_keys(
    endpoint: JWKSEndpoint, keys: dict[str, Any]
) -> None:
    import jwt as pyjwt

    import jwtkit.compat.pyjwt as compat

    private = pyjwt.algorithms.ECAlgorithm.to_jwk(keys["ES256"].private, as_dict=True)
    endpoint.document = {"keys": [{**private, "kid": "leaked"}]}
    assert pyjwt.PyJWKClient(endpoint.url).get_signing_key("leaked").key_id == "leaked"
    with pytest.raises(compat.PyJWKClientError):
        compat.PyJWKClient(endpoint.url).get_signing_key("leaked")


def test_rejects_jwks_with_a_malformed_member(endpoint: JWKSEndpoint) -> None:
    import jwt as pyjwt

    import jwtkit.compat.pyjwt as compat

    good = endpoint.document["keys"][1]
    endpoint.document = {"keys": [good, {"kty": "EC", "crv": "P-256", "x": "AA", "kid": "bad"}]}
    assert pyjwt.PyJWKClient(endpoint.url).get_signing_key("ec-1").key_id == "ec-1"
    with pytest.raises(compat.PyJWKClientError):
        compat.PyJWKClient(endpoint.url).get_signing_key("ec-1")


def test_serves_the_last_good_set_when_a_refresh_fails(endpoint: JWKSEndpoint) -> None:
    import jwtkit.compat.pyjwt as compat

    client = compat.PyJWKClient(endpoint.url, cache_jwk_set=False)
    assert client.get_signing_key("ec-1").key_id == "ec-1"
    endpoint.status = 503
    assert client.get_signing_key("ec-1").key_id == "ec-1"
    with pytest.raises(compat.PyJWKClientConnectionError):
        client.fetch_data()
    with pytest.raises(compat.PyJWKClientConnectionError):
        client.get_jwk_set(refresh=True)
