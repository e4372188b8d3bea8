"""``PyJWKClient`` against a JWKS endpoint on a loopback ``http.server`` in a thread, on
PyJWT and on ``jwtkit.compat.pyjwt`` (urllib's ``urlopen`` in front of jwtkit's JWKS cache
core). The server counts requests, so caching and refetching are checked by count, never by
time."""

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
        self.reason: str | None = None
        self.redirect_to: str | None = None
        self.requests: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.url = ""


@pytest.fixture(scope="module")
def server() -> Iterator[JWKSEndpoint]:
    endpoint = JWKSEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.requests.append(dict(self.headers))
            endpoint.paths.append(self.path)
            if endpoint.redirect_to is not None and self.path != endpoint.redirect_to:
                self.send_response(302)
                self.send_header("Location", endpoint.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = json.dumps(endpoint.document).encode()
            self.send_response(endpoint.status, endpoint.reason)
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
    server.reason = None
    server.redirect_to = None
    server.requests.clear()
    server.paths.clear()
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


def test_refuses_redirect_without_following_it(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    # Following it would send the caller's headers (often a credential) to another URL.
    endpoint.redirect_to = "/moved/jwks.json"
    client = jwt.PyJWKClient(endpoint.url, headers={"Authorization": "Bearer internal"})
    with pytest.raises(jwt.PyJWKClientConnectionError, match="302"):
        client.get_jwk_set()
    assert endpoint.paths == ["/.well-known/jwks.json"]


def test_jwk_set_cache_attribute(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    cached = jwt.PyJWKClient(endpoint.url, lifespan=120)
    assert cached.jwk_set_cache is not None
    assert cached.jwk_set_cache.lifespan == 120
    assert cached.jwk_set_cache.get() is None  # nothing fetched yet
    cached.get_jwk_set()
    assert [key.key_id for key in cached.jwk_set_cache.get().keys][:2] == ["rsa-1", "ec-1"]
    assert jwt.PyJWKClient(endpoint.url, cache_jwk_set=False).jwk_set_cache is None


# -- PyJWT's message texts (consumers show them to their users) -------------------------------


def test_connection_error_message_matches_pyjwt(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    endpoint.status = 500
    client = jwt.PyJWKClient(endpoint.url)
    with pytest.raises(jwt.PyJWKClientConnectionError) as caught:
        client.get_signing_key("rsa-1")
    assert str(caught.value) == (
        'Fail to fetch data from the url, err: "HTTP Error 500: Internal Server Error"'
    )


def test_unknown_kid_message_matches_pyjwt(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    client = jwt.PyJWKClient(endpoint.url)
    with pytest.raises(jwt.PyJWKClientError) as caught:
        client.get_signing_key("no-such-kid")
    assert str(caught.value) == 'Unable to find a signing key that matches: "no-such-kid"'


def test_client_settings_messages_match_pyjwt(jwt: ModuleType, endpoint: JWKSEndpoint) -> None:
    for settings, text in (
        ({"lifespan": 0}, 'Lifespan must be greater than 0, the input is "0"'),
        (
            {"cooldown_duration": -1},
            'Cooldown duration must be greater than or equal to 0, the input is "-1"',
        ),
        (
            {"cooldown_duration": float("inf")},
            'Cooldown duration must be finite, the input is "inf"',
        ),
    ):
        with pytest.raises(jwt.PyJWKClientError) as caught:
            jwt.PyJWKClient(endpoint.url, **settings)
        assert str(caught.value) == text


def test_error_class_follows_the_failure_not_its_text(
    jwt: ModuleType, endpoint: JWKSEndpoint
) -> None:
    # The server's reason phrase is the attacker's text: it must not change the class.
    endpoint.status = 503
    endpoint.reason = "Invalid JWKS: it contains private or symmetric key material"
    with pytest.raises(jwt.PyJWKClientConnectionError):
        jwt.PyJWKClient(endpoint.url).get_jwk_set()
    endpoint.status = 200
    endpoint.reason = None
    endpoint.document = {"keys": "Fail to fetch data from the url"}
    with pytest.raises(jwt.PyJWKSetError, match="Invalid JWK Set value"):
        jwt.PyJWKClient(endpoint.url).get_jwk_set()
    endpoint.document = ["Fail to fetch data from the url"]
    with pytest.raises(jwt.PyJWKClientError) as caught:
        jwt.PyJWKClient(endpoint.url).get_jwk_set()
    assert not isinstance(caught.value, jwt.PyJWKClientConnectionError)


# -- the transport: urllib.request.urlopen, patchable as in PyJWT 2.12 ------------------------


def test_fetches_through_urlopen_with_pyjwt_arguments(endpoint: JWKSEndpoint) -> None:
    # PyJWT up to 2.12 called urllib.request.urlopen(Request(uri, headers), timeout=...,
    # context=...), and test suites patch exactly that; PyJWT 2.15 builds its own opener
    # instead, so this runs on the drop-in only.
    import ssl
    from unittest import mock

    import jwtkit.compat.pyjwt as compat

    context = ssl.create_default_context()
    headers = {"User-agent": "my-agent"}
    client = compat.PyJWKClient(endpoint.url, headers=headers, timeout=7, ssl_context=context)
    with mock.patch("urllib.request.urlopen") as urlopen:
        response = mock.Mock()
        response.__enter__ = mock.Mock(return_value=response)
        response.__exit__ = mock.Mock(return_value=None)
        response.read.side_effect = [json.dumps(endpoint.document)]
        urlopen.return_value = response
        assert client.get_signing_key("ec-1").key_id == "ec-1"
    request = urlopen.call_args.args[0]
    assert request.full_url == endpoint.url
    assert request.headers == headers
    assert urlopen.call_args.kwargs == {"timeout": 7, "context": context}
    assert endpoint.requests == []  # the patched function answered, not the network


def test_timeout_bounds_the_whole_exchange_against_a_dripping_server() -> None:
    # The attack: a server that sends its headers one byte at a time never trips a
    # per-read timeout. The drop-in's timeout bounds the whole exchange, and no second
    # request is sent while the first one is still being dripped.
    import jwtkit.compat.pyjwt as compat

    stop = threading.Event()
    hits: list[str] = []

    class Dripping(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 400 + b"\r\n"
            for byte in head:  # bounded: at most ~40 s, and stopped when the test ends
                if stop.wait(0.1):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            body = b'{"keys": []}'
            self.wfile.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Dripping)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        client = compat.PyJWKClient(f"http://127.0.0.1:{httpd.server_address[1]}/j", timeout=1)
        with pytest.raises(compat.PyJWKClientConnectionError, match="timed out"):
            client.get_jwk_set()
        with pytest.raises(compat.PyJWKClientConnectionError, match="not finished"):
            client.get_jwk_set(refresh=True)
        assert hits == ["/j"]
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


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


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "ftp://127.0.0.1/jwks.json"])
def test_non_http_uri_message_matches_pyjwt(jwt: ModuleType, uri: str) -> None:
    with pytest.raises(jwt.PyJWKClientError) as caught:
        jwt.PyJWKClient(uri)
    scheme = uri.split(":")[0]
    assert str(caught.value) == (
        f"Invalid JWKS URI scheme {scheme!r}: only 'http' and 'https' are supported."
    )
