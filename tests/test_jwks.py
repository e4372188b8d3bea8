"""JWKS clients against a real HTTP server on 127.0.0.1 that the tests rotate and break.

The server counts every request, so cooldown and single flight are checked by counting, and
the clients get a fake clock, so no test sleeps.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import jwtkit
from jwtkit import AsyncJWKSClient, JWKSClient, JWKSError, KeyNotFoundError, KeySet, OctKey, _http
from jwtkit._jwks_cache import CachePolicy, lifetime_from_cache_control, parse_jwks
from jwtkit.discovery import IssuerJWKSClient

# -- a JWKS server the tests control ----------------------------------------------------------


class JWKSServer:
    """Serves ``self.document`` at /jwks.json; ``status``/``headers``/``body`` override it."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.status = 200
        self.headers: dict[str, str] = {"Cache-Control": "max-age=300"}
        self.body: bytes | None = None
        self.send_length = True
        self.drip_interval: float | None = None  # send the body 8 bytes at a time
        self.requests: list[str] = []
        self.hold: threading.Event | None = None  # when set, requests wait for it
        self.request_arrived = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.request_arrived.set()
                if server.hold is not None:
                    server.hold.wait(10)
                body = server.body
                if body is None:
                    body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                for name, value in server.headers.items():
                    self.send_header(name, value)
                if server.send_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.drip_interval is None:
                    self.wfile.write(body)
                    return
                pause = threading.Event()
                for start in range(0, len(body), 8):
                    self.wfile.write(body[start : start + 8])
                    self.wfile.flush()
                    pause.wait(server.drip_interval)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.port}/jwks.json"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def count(self, path: str = "/jwks.json") -> int:
        return self.requests.count(path)

    def publish(self, *keys: jwtkit.Key) -> None:
        self.document = {"keys": [key.public_key().to_dict() for key in keys]}


@contextmanager
def running(jwks_server: JWKSServer) -> Iterator[JWKSServer]:
    jwks_server.thread.start()
    try:
        yield jwks_server
    finally:
        if jwks_server.hold is not None:
            jwks_server.hold.set()
        jwks_server.httpd.shutdown()
        jwks_server.httpd.server_close()


@pytest.fixture
def server() -> Iterator[JWKSServer]:
    with running(JWKSServer()) as jwks_server:
        yield jwks_server


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 and the path of its (self-signed) certificate."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwtkit test issuer")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    cert_path = directory / "issuer.pem"
    key_path = directory / "issuer.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


KEY_A = jwtkit.Key.generate("ES256", kid="key-a")
KEY_B = jwtkit.Key.generate("ES256", kid="key-b")


def token_for(key: jwtkit.Key, **claims: Any) -> str:
    return jwtkit.encode({"sub": "alice", **claims}, key)


# -- fetching and rotation ------------------------------------------------------------------


def test_fetches_and_verifies_through_a_verifier(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    verifier = jwtkit.Verifier(JWKSClient(server.url, clock=clock), algorithms=["ES256"])
    assert verifier.verify(token_for(KEY_A))["sub"] == "alice"
    assert verifier.verify(token_for(KEY_A))["sub"] == "alice"
    assert server.count() == 1


def test_token_without_kid_is_checked_against_the_fitting_keys(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_B, KEY_A)
    unnamed = jwtkit.Key.from_dict(
        {name: value for name, value in KEY_A.to_dict(private=True).items() if name != "kid"}
    )
    token = jwtkit.encode({"sub": "alice"}, unnamed, algorithm="ES256")
    assert "kid" not in jwtkit.get_unverified_header(token)
    verifier = jwtkit.Verifier(JWKSClient(server.url, clock=clock), algorithms=["ES256"])
    assert verifier.verify(token)["sub"] == "alice"


def test_refetches_on_a_new_kid_after_rotation(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    client = JWKSClient(server.url, clock=clock)
    assert client.get_key("key-a").kid == "key-a"
    server.publish(KEY_A, KEY_B)
    clock.advance(31)  # past the refetch cooldown, well within the cache lifetime
    assert client.get_key("key-b").kid == "key-b"
    assert server.count() == 2


def test_refreshes_when_the_cache_lifetime_ends(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    server.headers = {"Cache-Control": "public, max-age=120"}
    client = JWKSClient(server.url, clock=clock)
    assert "key-a" in client.get_key_set()
    server.publish(KEY_B)
    clock.advance(119)
    assert "key-a" in client.get_key_set()
    clock.advance(1)
    assert "key-b" in client.get_key_set()
    assert "key-a" not in client.get_key_set()
    assert server.count() == 2


def test_cache_control_is_clamped_to_the_bounds() -> None:
    policy = CachePolicy(default_lifetime=300, min_lifetime=60, max_lifetime=3600)
    assert lifetime_from_cache_control(None, policy) == 300
    assert lifetime_from_cache_control("max-age=120", policy) == 120
    assert lifetime_from_cache_control("public, max-age=5", policy) == 60
    assert lifetime_from_cache_control("max-age=999999999", policy) == 3600
    assert lifetime_from_cache_control("no-store", policy) == 60
    assert lifetime_from_cache_control("private, no-cache", policy) == 60
    assert lifetime_from_cache_control("s-maxage=10", policy) == 300
    assert lifetime_from_cache_control("max-age=abc", policy) == 300


def test_a_short_max_age_is_raised_to_the_minimum(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    server.headers = {"Cache-Control": "max-age=0"}
    client = JWKSClient(server.url, clock=clock, min_cache_lifetime=90)
    for _ in range(20):
        client.get_key_set()
        clock.advance(4)
    assert server.count() == 1
    clock.advance(10)
    client.get_key_set()
    assert server.count() == 2


# -- refetch storms -------------------------------------------------------------------------


def test_random_kid_flood_costs_one_request_per_cooldown(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A)
    client = JWKSClient(server.url, clock=clock, refetch_cooldown=30)
    for index in range(1000):
        with pytest.raises(KeyNotFoundError):
            client.get_key(f"made-up-{index}")
    assert server.count() == 1
    clock.advance(29)
    with pytest.raises(KeyNotFoundError):
        client.get_key("made-up-again")
    assert server.count() == 1
    clock.advance(1)
    for index in range(100):
        with pytest.raises(KeyNotFoundError):
            client.get_key(f"second-wave-{index}")
    assert server.count() == 2


def test_forged_tokens_with_random_kids_do_not_storm_the_issuer(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A)
    verifier = jwtkit.Verifier(JWKSClient(server.url, clock=clock), algorithms=["ES256"])
    attacker = jwtkit.Key.generate("ES256")
    for index in range(200):
        forged = jwtkit.encode({"sub": "mallory"}, attacker, headers={"kid": f"kid-{index}"})
        with pytest.raises(jwtkit.InvalidTokenError):
            verifier.verify(forged)
    assert server.count() == 1


def test_single_flight_threads_make_one_request(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    server.hold = threading.Event()
    client = JWKSClient(server.url, clock=clock)
    workers = 16
    started = threading.Barrier(workers + 1)
    results: list[Any] = []

    def lookup() -> None:
        started.wait(10)
        try:
            results.append(client.get_key("key-a").kid)
        except Exception as error:  # collected and asserted below
            results.append(error)

    threads = [threading.Thread(target=lookup) for _ in range(workers)]
    for thread in threads:
        thread.start()
    started.wait(10)
    assert server.request_arrived.wait(10)
    server.hold.set()
    for thread in threads:
        thread.join(10)
    assert results == ["key-a"] * workers
    assert server.count() == 1


def test_single_flight_tasks_make_one_request(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    server.hold = threading.Event()
    client = AsyncJWKSClient(server.url, clock=clock)

    async def main() -> list[str | None]:
        lookups = [asyncio.ensure_future(client.get_key("key-a")) for _ in range(50)]
        assert await asyncio.to_thread(server.request_arrived.wait, 10)
        assert server.hold is not None
        server.hold.set()
        keys = await asyncio.gather(*lookups)
        return [key.kid for key in keys]

    assert asyncio.run(main()) == ["key-a"] * 50
    assert server.count() == 1


# -- failures -------------------------------------------------------------------------------


def test_stale_if_error_keeps_serving_the_last_good_set(
    server: JWKSServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.publish(KEY_A)
    client = JWKSClient(server.url, clock=clock, stale_if_error=600, refetch_cooldown=30)
    verifier = jwtkit.Verifier(client, algorithms=["ES256"])
    token = token_for(KEY_A)
    verifier.verify(token)
    server.status = 503
    clock.advance(300)  # the set expires; the refresh fails
    with caplog.at_level(logging.WARNING, logger="jwtkit.jwks"):
        assert verifier.verify(token)["sub"] == "alice"
    assert isinstance(client.last_error, JWKSError)
    assert "HTTP 503" in str(client.last_error)
    assert "failed" in caplog.text
    assert server.count() == 2
    for _ in range(50):  # a failing endpoint is retried once per cooldown, not per token
        verifier.verify(token)
    assert server.count() == 2
    clock.advance(599)
    verifier.verify(token)
    assert server.count() == 3
    clock.advance(1)  # the stale bound has passed: now it is an error
    with pytest.raises(JWKSError, match="expired"):
        client.get_key_set()


def test_stale_if_error_recovers_when_the_endpoint_does(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A)
    client = JWKSClient(server.url, clock=clock)
    client.get_key_set()
    server.body = b'{"keys": ['  # a broken deploy serves garbage
    clock.advance(300)
    assert "key-a" in client.get_key_set()
    assert "JWKS document" in str(client.last_error)
    server.body = None
    server.publish(KEY_B)
    clock.advance(30)
    assert "key-b" in client.get_key_set()
    assert client.last_error is None


def test_failed_refresh_never_wipes_the_cache(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A, KEY_B)
    client = JWKSClient(server.url, clock=clock)
    client.get_key_set()
    server.document = {"keys": "not a list"}
    clock.advance(31)
    with pytest.raises(KeyNotFoundError):
        client.get_key("key-c")  # triggers a refetch that fails
    assert client.last_error is not None
    assert client.get_key("key-b").kid == "key-b"


def test_first_fetch_failure_raises_jwks_error(server: JWKSServer, clock: FakeClock) -> None:
    server.status = 500
    client = JWKSClient(server.url, clock=clock)
    with pytest.raises(JWKSError, match="HTTP 500"):
        client.get_key("key-a")
    with pytest.raises(JWKSError, match="HTTP 500"):  # within the cooldown: no new request
        client.get_key_set()
    assert server.count() == 1
    server.status = 200
    server.publish(KEY_A)
    clock.advance(30)
    assert client.get_key("key-a").kid == "key-a"


def test_rejects_redirect(server: JWKSServer, clock: FakeClock) -> None:
    server.status = 302
    server.headers = {"Location": f"http://127.0.0.1:{server.port}/elsewhere.json"}
    client = JWKSClient(server.url, clock=clock)
    with pytest.raises(JWKSError, match="redirects are not followed"):
        client.get_key_set()
    assert server.requests == ["/jwks.json"]


def test_rejects_redirect_async(server: JWKSServer, clock: FakeClock) -> None:
    server.status = 307
    server.headers = {"Location": "file:///etc/passwd"}
    client = AsyncJWKSClient(server.url, clock=clock)
    with pytest.raises(JWKSError, match="redirects are not followed"):
        asyncio.run(client.get_key_set())
    assert server.requests == ["/jwks.json"]


@pytest.mark.parametrize("send_length", [True, False])
def test_rejects_oversized_response(
    server: JWKSServer, clock: FakeClock, send_length: bool
) -> None:
    server.send_length = send_length
    server.body = b'{"keys": [], "padding": "' + b"x" * 5000 + b'"}'
    client = JWKSClient(server.url, clock=clock, max_response_size=4096)
    with pytest.raises(JWKSError, match="max_response_size"):
        client.get_key_set()


def test_rejects_oversized_response_async(server: JWKSServer, clock: FakeClock) -> None:
    server.send_length = False
    server.body = b'{"keys": [], "padding": "' + b"x" * 5000 + b'"}'
    client = AsyncJWKSClient(server.url, clock=clock, max_response_size=4096)
    with pytest.raises(JWKSError, match="max_response_size"):
        asyncio.run(client.get_key_set())


def test_rejects_a_server_that_never_answers(server: JWKSServer, clock: FakeClock) -> None:
    server.hold = threading.Event()
    client = JWKSClient(server.url, clock=clock, timeout=0.2)
    with pytest.raises(JWKSError, match="timeout"):
        client.get_key_set()


def test_rejects_slow_drip_body_past_the_timeout(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A, KEY_B)  # ~60 chunks of 8 bytes, 50 ms apart: 3 s to send
    server.drip_interval = 0.05
    client = JWKSClient(server.url, clock=clock, timeout=0.5)
    with pytest.raises(JWKSError, match="timeout"):
        client.get_key_set()


def test_rejects_slow_drip_body_past_the_timeout_async(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A, KEY_B)
    server.drip_interval = 0.05
    client = AsyncJWKSClient(server.url, clock=clock, timeout=0.5)
    with pytest.raises(JWKSError, match="timeout"):
        asyncio.run(client.get_key_set())


def test_connection_refused_is_a_jwks_error(clock: FakeClock) -> None:
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()  # nothing listens on this port now
    client = JWKSClient(f"http://127.0.0.1:{port}/jwks.json", clock=clock)
    with pytest.raises(JWKSError, match="could not connect"):
        client.get_key_set()


def test_fetches_over_https_with_a_trusted_certificate(tmp_path: Path, clock: FakeClock) -> None:
    context, cert_path = self_signed_tls(tmp_path)
    with running(JWKSServer(tls=context)) as tls_server:
        tls_server.publish(KEY_A)
        trusting = httpx.Client(verify=ssl.create_default_context(cafile=str(cert_path)))
        with trusting:
            client = JWKSClient(tls_server.url, clock=clock, http_client=trusting)
            assert client.get_key("key-a").kid == "key-a"

        async def fetch_async() -> str | None:
            trust = ssl.create_default_context(cafile=str(cert_path))
            async with httpx.AsyncClient(verify=trust) as http:
                async_client = AsyncJWKSClient(tls_server.url, clock=clock, http_client=http)
                return (await async_client.get_key("key-a")).kid

        assert asyncio.run(fetch_async()) == "key-a"


def test_rejects_untrusted_tls_certificate(tmp_path: Path, clock: FakeClock) -> None:
    context, _ = self_signed_tls(tmp_path)
    with running(JWKSServer(tls=context)) as tls_server:
        tls_server.publish(KEY_A)
        client = JWKSClient(tls_server.url, clock=clock)
        with pytest.raises(JWKSError, match="TLS certificate is not trusted"):
            client.get_key_set()


# -- URL policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://issuer.example/jwks.json",
        "/jwks.json",
        "https:///jwks.json",
        "http://issuer.example/jwks.json",
        "http://10.0.0.1/jwks.json",
        "https://issuer.example:99999/jwks.json",
    ],
)
def test_rejects_url_that_is_not_https(url: str) -> None:
    with pytest.raises(JWKSError):
        JWKSClient(url)
    with pytest.raises(JWKSError):
        AsyncJWKSClient(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://issuer.example/.well-known/jwks.json",
        "http://127.0.0.1:8000/jwks.json",
        "http://127.5.6.7/jwks.json",
        "http://localhost/jwks.json",
        "http://[::1]:8080/jwks.json",
    ],
)
def test_accepts_https_and_loopback_http(url: str) -> None:
    assert JWKSClient(url).url == url


def test_plain_http_needs_the_explicit_flag() -> None:
    client = JWKSClient("http://issuer.internal/jwks.json", allow_http=True)
    assert client.url == "http://issuer.internal/jwks.json"
    with pytest.raises(JWKSError, match="allow_http"):
        JWKSClient("http://issuer.internal/jwks.json")
    with pytest.raises(JWKSError, match="file://"):
        JWKSClient("file:///etc/passwd", allow_http=True)


def test_rejects_inconsistent_cache_bounds() -> None:
    with pytest.raises(JWKSError, match="min_lifetime"):
        JWKSClient("https://issuer.example/jwks", min_cache_lifetime=100, max_cache_lifetime=10)
    with pytest.raises(JWKSError, match="timeout"):
        JWKSClient("https://issuer.example/jwks", timeout=0)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("timeout", float("nan")),  # no deadline: a drip-feeding server holds the fetch
        ("timeout", float("inf")),
        ("timeout", "5"),  # was a raw TypeError
        ("timeout", True),
        ("refetch_cooldown", float("nan")),  # never cooling down: one fetch per made-up kid
        ("stale_if_error", float("nan")),  # a stale set served forever
        ("cache_lifetime", float("nan")),
        ("min_cache_lifetime", float("nan")),
        ("max_cache_lifetime", float("inf")),
        ("max_response_size", float("nan")),  # no cap at all on the body
        ("max_response_size", float("inf")),
        ("max_response_size", 1.5),
        ("headers", "Authorization: Bearer x"),  # was a raw TypeError
        ("headers", {"X-Retries": 3}),  # was a raw TypeError at every fetch, logged each time
        ("clock", None),  # was a raw TypeError at the first lookup
    ],
)
def test_nan_infinite_or_mistyped_client_settings_are_refused(setting: str, value: object) -> None:
    for client_type in (JWKSClient, AsyncJWKSClient):
        with pytest.raises(JWKSError):
            client_type("https://issuer.example/jwks", **{setting: value})


def test_a_nan_refetch_cooldown_cannot_make_every_made_up_kid_a_request(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A)
    with pytest.raises(JWKSError, match="refetch_cooldown"):
        client = JWKSClient(server.url, clock=clock, refetch_cooldown=float("nan"))
        for index in range(20):
            with pytest.raises(KeyNotFoundError):
                client.get_key(f"made-up-{index}")
    assert server.count() == 0


def test_a_nan_max_response_size_is_not_an_unbounded_body(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.body = b'{"keys": [], "padding": "' + b"x" * 300_000 + b'"}'
    with pytest.raises(JWKSError, match="max_response_size"):
        JWKSClient(server.url, clock=clock, max_response_size=float("nan")).get_key_set()
    assert server.count() == 0


# -- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "JWKS document"),
        (b"[]", "must be a JSON object"),
        (b'{"keys": {}}', "'keys' array"),
        (b'{"nokeys": []}', "'keys' array"),
        (b'{"keys": [1]}', "member 0 is not a JSON object"),
        (b'{"keys": [{"kid": "x"}]}', "member 0 has no string 'kty'"),
        (b'{"keys": [{"kty": "EC", "crv": "P-256", "x": "AA"}]}', "member 0"),
        (b'{"keys": [], "keys": []}', "duplicate"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_jwks_document_names_the_problem(body: bytes, problem: str) -> None:
    with pytest.raises(JWKSError, match=problem):
        parse_jwks(body)


def test_rejects_duplicate_kids() -> None:
    document = {"keys": [KEY_A.public_key().to_dict(), KEY_A.public_key().to_dict()]}
    with pytest.raises(JWKSError, match="share the kid"):
        parse_jwks(json.dumps(document).encode())


def test_rejects_jwks_that_publishes_private_or_symmetric_keys() -> None:
    for secret in (KEY_A.to_dict(private=True), {"kty": "oct", "k": "c2VjcmV0LXNlY3JldA"}):
        with pytest.raises(JWKSError, match="private or secret"):
            parse_jwks(json.dumps({"keys": [secret]}).encode())


def test_a_fetched_jwks_holding_any_secret_key_is_refused_whole() -> None:
    # A secret beside the issuer's public keys is not skipped: the whole set is suspect.
    document = {"keys": [KEY_A.public_key().to_dict(), OctKey(b"s" * 32).to_dict(private=True)]}
    with pytest.raises(JWKSError, match="member 1 holds private or secret key material"):
        parse_jwks(json.dumps(document).encode())


def test_hostile_private_jwks_is_refused_before_any_member_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A private RSA member can cost seconds to import (prime recovery, OpenSSL's checks): a
    # published set with one is refused from its member names alone, nothing imported.
    imported: list[object] = []
    monkeypatch.setattr(
        jwtkit.jwk.keyset, "import_jwk", lambda member, **kwargs: imported.append(member)
    )
    hostile = {"kty": "RSA", "n": "AQAB" * 100, "e": "AQAB", "d": "AQAB" * 99}
    document = {"keys": [KEY_A.public_key().to_dict(), hostile]}
    with pytest.raises(JWKSError, match="member 1 holds private"):
        parse_jwks(json.dumps(document).encode())
    assert imported == []


def test_skips_members_with_an_unknown_kty() -> None:
    document = {
        "keys": [
            {"kty": "PQC-FUTURE", "kid": "future", "pub": "AAAA"},
            KEY_A.public_key().to_dict(),
        ]
    }
    key_set, skipped = parse_jwks(json.dumps(document).encode())
    assert skipped == ["member 0: unsupported key type 'PQC-FUTURE'"]
    assert [key.kid for key in key_set] == ["key-a"]


ODD_MEMBERS = {
    "brainpool curve": {"kty": "EC", "crv": "brainpoolP256r1", "x": "AA", "y": "AA"},
    "SLH-DSA parameter set": {"kty": "AKP", "alg": "SLH-DSA-SHA2-128s", "pub": "AAAA"},
    "extension key_ops": {
        **KEY_B.public_key().to_dict(),
        "kid": "x",
        "key_ops": ["verify", "x-attest"],
    },
}


@pytest.mark.parametrize("odd", ODD_MEMBERS.values(), ids=ODD_MEMBERS.keys())
def test_one_odd_jwks_member_does_not_take_the_issuer_down(
    odd: dict[str, object], server: JWKSServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.body = json.dumps({"keys": [odd, KEY_A.public_key().to_dict()]}).encode()
    client = JWKSClient(server.url, clock=clock)
    with caplog.at_level(logging.WARNING, logger="jwtkit.jwks"):
        assert jwtkit.decode(token_for(KEY_A), client, ["ES256"])["sub"] == "alice"
    assert "skipping member 0: unsupported" in caplog.text
    with pytest.warns(UserWarning, match="Skipping JWKS member 0: unsupported"):
        assert [key.kid for key in KeySet.from_dict(json.loads(server.body))] == ["key-a"]


def test_a_failed_first_fetch_says_could_not_fetch_once(clock: FakeClock) -> None:
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = JWKSClient(f"http://127.0.0.1:{port}/jwks.json", clock=clock, timeout=1)
    for _ in range(2):
        with pytest.raises(JWKSError) as caught:
            client.get_key_set()
        assert str(caught.value).count("Could not fetch the JWKS") == 1


def test_malformed_document_from_the_server_is_reported(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.body = b'{"keys": [{"kty": "RSA", "n": "AQAB"}]}'
    client = JWKSClient(server.url, clock=clock)
    with pytest.raises(JWKSError, match=r"member 0: .*'e'"):
        client.get_key_set()


# -- async ----------------------------------------------------------------------------------


def test_async_client_verifies_through_verify_async(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    client = AsyncJWKSClient(server.url, clock=clock)
    verifier = jwtkit.Verifier(client, algorithms=["ES256"])

    async def main() -> None:
        assert (await verifier.verify_async(token_for(KEY_A)))["sub"] == "alice"
        server.publish(KEY_A, KEY_B)
        with pytest.raises(KeyNotFoundError):
            await verifier.verify_async(token_for(KEY_B))  # inside the cooldown
        clock.advance(30)
        assert (await verifier.verify_async(token_for(KEY_B)))["sub"] == "alice"

    asyncio.run(main())
    assert server.count() == 2


def test_async_client_stale_if_error_and_cooldown(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    client = AsyncJWKSClient(server.url, clock=clock, stale_if_error=100)

    async def main() -> None:
        await client.get_key_set()
        server.status = 500
        clock.advance(300)
        for index in range(100):
            assert "key-a" in await client.get_key_set()
            with pytest.raises(KeyNotFoundError):
                await client.get_key(f"random-{index}")
        assert client.last_error is not None
        clock.advance(100)
        with pytest.raises(JWKSError):
            await client.get_key_set()

    asyncio.run(main())
    assert server.count() == 3


def test_async_client_works_across_event_loops(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A)
    server.headers = {}  # no Cache-Control: the client's default lifetime applies
    client = AsyncJWKSClient(server.url, clock=clock, cache_lifetime=60)
    for _ in range(3):
        assert (asyncio.run(client.get_key("key-a"))).kid == "key-a"
        clock.advance(60)
    assert server.count() == 3


def test_sync_verify_with_async_client_points_to_verify_async() -> None:
    verifier = jwtkit.Verifier(AsyncJWKSClient("https://issuer.example/jwks"), algorithms=["ES256"])
    with pytest.raises(jwtkit.InvalidOptionError, match="verify_async"):
        verifier.verify(token_for(KEY_A))


def test_importing_jwtkit_does_not_import_the_clients() -> None:
    import subprocess
    import sys

    code = (
        "import sys, jwtkit; assert 'jwtkit.jwks' not in sys.modules; "
        "assert 'httpx' not in sys.modules; jwtkit.JWKSClient; "
        "assert 'jwtkit.jwks' in sys.modules; assert 'httpx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_decode_accepts_a_jwks_client_as_the_key(server: JWKSServer, clock: FakeClock) -> None:
    server.publish(KEY_A, KEY_B)
    client = JWKSClient(server.url, clock=clock)
    assert jwtkit.decode(token_for(KEY_B), client, algorithms=["ES256"])["sub"] == "alice"
    assert server.count() == 1


def test_keys_in_motion_example_runs() -> None:
    import subprocess
    import sys

    example = Path(__file__).parents[1] / "examples" / "keys_in_motion.py"
    result = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.splitlines() == [
        "verified: alice",
        "verified: bob",
        "old token still verifies: alice",
        "JWKS requests so far: 1",
        "verified async: bob",
        "same current key after restart: True",
    ]


# -- docs/jwks.md runs as written, against a local stand-in for https://issuer.example ---------

DOC_JWKS_URL = "https://issuer.example/.well-known/jwks.json"


def test_jwks_doc_examples_run_and_print_what_they_say(
    server: JWKSServer, run_doc_blocks: Callable[..., object]
) -> None:
    issuer_key = jwtkit.Key.generate("ES256", kid="issuer-key-1")
    server.publish(issuer_key)
    token = jwtkit.encode(
        {"iss": "https://issuer.example", "aud": "https://api.example", "sub": "alice"},
        issuer_key,
    )
    run_doc_blocks(
        "docs/jwks.md",
        minimum=4,
        namespace={"token": token},
        replace={DOC_JWKS_URL: server.url},
    )


def test_log_lines_do_not_carry_url_credentials(
    server: JWKSServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.status = 500
    url = server.url.replace("http://", "http://user:hunter2@") + "?token=s3cret"
    client = JWKSClient(url, clock=clock)
    with caplog.at_level(logging.WARNING, logger="jwtkit.jwks"), pytest.raises(JWKSError):
        client.get_key_set()
    assert f"127.0.0.1:{server.port}/jwks.json" in caplog.text
    assert "hunter2" not in caplog.text and "s3cret" not in caplog.text
    assert "hunter2" not in str(client.last_error)


@pytest.mark.parametrize("ending", ["\n", "\r\nX-Injected: 1", "\x00"])
def test_a_credential_header_that_cannot_be_sent_never_reaches_errors_or_logs(
    server: JWKSServer, clock: FakeClock, caplog: pytest.LogCaptureFixture, ending: str
) -> None:
    # A token read from a file keeps its newline; httpx refused the header and quoted it,
    # into the error, last_error and a warning line on every refresh. Now it is refused when
    # the client is made, naming the header, not its value.
    server.publish(KEY_A)
    headers = {"Authorization": "Bearer hunter2-api-credential" + ending}
    shown = []
    with caplog.at_level(logging.WARNING, logger="jwtkit.jwks"):
        for client_type in (JWKSClient, AsyncJWKSClient):
            with pytest.raises(JWKSError, match="'Authorization' header") as caught:
                client_type(server.url, clock=clock, headers=headers)
            shown += [str(caught.value), repr(caught.value)]
    for text in (*shown, caplog.text):
        assert "hunter2" not in text
    assert server.count() == 0


def test_an_http_failure_is_named_by_its_class_never_by_its_text() -> None:
    # Whatever httpx says can quote what was sent (a header it refused, an introspection
    # client's Basic credentials) or a URL with its credentials.
    for error in (
        httpx.LocalProtocolError("Illegal header value b'Bearer hunter2\\n'"),
        httpx.RemoteProtocolError("peer closed: https://user:hunter2@issuer.example/"),
        httpx.ProxyError("407 from proxy for hunter2"),
    ):
        reason = _http._describe(error, 5).reason
        assert "hunter2" not in reason and type(error).__name__ in reason


def test_reprs_do_not_carry_url_credentials() -> None:
    # A repr lands in tracebacks, debuggers and "%r" log lines.
    url = "https://jwks-reader:hunter2@issuer.example:8443/jwks.json?api_key=s3cret"
    for client in (JWKSClient(url), AsyncJWKSClient(url)):
        shown = repr(client)
        assert "issuer.example:8443/jwks.json" in shown
        assert "hunter2" not in shown and "s3cret" not in shown
    issuer = IssuerJWKSClient("https://reader:hunter2@as.example/tenant")
    assert "as.example/tenant" in repr(issuer) and "hunter2" not in repr(issuer)


def test_refresh_fetches_now_even_while_the_cache_is_fresh(
    server: JWKSServer, clock: FakeClock
) -> None:
    old, new = jwtkit.Key.generate("ES256"), jwtkit.Key.generate("ES256")
    server.publish(old)
    client = JWKSClient(server.url, clock=clock)
    assert [key.kid for key in client.get_key_set()] == [old.kid]
    server.publish(old, new)
    assert [key.kid for key in client.get_key_set()] == [old.kid]  # fresh: from the cache
    assert server.count() == 1
    assert [key.kid for key in client.refresh()] == [old.kid, new.kid]
    assert server.count() == 2


# -- one deadline for the whole exchange; callers served while a refresh is in flight ------------


class HeaderDripServer:
    """Answers every request by dripping its status line and headers a byte at a time, each
    byte well within a read timeout; stops when the client goes away (or after ``limit``)."""

    def __init__(self, gap: float = 0.05, limit: int = 400) -> None:
        self.gap, self.limit = gap, limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/jwks.json"
        self.finished: list[bool] = []  # one per connection: did it drip to the end?
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        pause = threading.Event()
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * self.limit
                completed = True
                for byte in head[: self.limit]:
                    try:
                        connection.sendall(bytes([byte]))
                    except OSError:
                        completed = False
                        break
                    pause.wait(self.gap)
                self.finished.append(completed)

    def __enter__(self) -> HeaderDripServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.listener.close()
        self.thread.join(30)


def test_sync_client_deadline_covers_a_server_dripping_its_headers(clock: FakeClock) -> None:
    # httpx's timeout bounds each read: one byte a second kept a timeout=2 fetch waiting for
    # as long as the server dripped. The deadline now covers the status line and headers.
    with HeaderDripServer() as dripping:
        client = JWKSClient(dripping.url, clock=clock, timeout=0.5)
        with pytest.raises(JWKSError, match=r"within the 0\.5 s timeout"):
            client.get_key_set()
    assert dripping.finished == [False]  # the client hung up long before the drip ended


def test_async_client_deadline_covers_a_server_dripping_its_headers(clock: FakeClock) -> None:
    with HeaderDripServer() as dripping:
        client = AsyncJWKSClient(dripping.url, clock=clock, timeout=0.5)
        with pytest.raises(JWKSError, match=r"within the 0\.5 s timeout"):
            asyncio.run(client.get_key_set())
    assert dripping.finished == [False]


def test_callers_with_a_cached_key_are_served_while_a_refresh_is_in_flight(
    server: JWKSServer, clock: FakeClock
) -> None:
    server.publish(KEY_A)
    client = JWKSClient(server.url, clock=clock)
    assert client.get_key("key-a").kid == "key-a"
    clock.advance(400)  # the set is stale: the next lookup refreshes
    server.hold = threading.Event()  # ... from a server that does not answer yet
    server.request_arrived.clear()
    refreshing = threading.Thread(target=client.get_key, args=("key-a",))
    refreshing.start()
    assert server.request_arrived.wait(10)
    # Another thread, whose key is in the cached set, does not queue behind the refresh.
    assert client.get_key("key-a").kid == "key-a"
    assert refreshing.is_alive() and not server.hold.is_set()
    server.hold.set()
    refreshing.join(10)
    assert client.fetch_count == 2


# -- a compressed response is capped after decoding, while it streams ----------------------------


def _gzip_bomb(size: int) -> bytes:
    import gzip

    return gzip.compress(b'{"keys": [' + b" " * size + b"]}", compresslevel=9)


@pytest.mark.parametrize("client_class", [JWKSClient, AsyncJWKSClient])
def test_gzip_jwks_is_capped_after_decoding_without_inflating_it_whole(
    client_class: type[JWKSClient] | type[AsyncJWKSClient], server: JWKSServer, clock: FakeClock
) -> None:
    import tracemalloc

    server.body = _gzip_bomb(128 * 1024 * 1024)  # about 128 KiB on the wire, 128 MiB inflated
    server.headers["Content-Encoding"] = "gzip"
    client = client_class(server.url, clock=clock, max_response_size=256 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(JWKSError, match="larger than max_response_size"):
            result = client.get_key_set()
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # it once peaked at 140 MiB for a 204 KB body


def test_gzip_jwks_within_the_cap_is_decoded(server: JWKSServer, clock: FakeClock) -> None:
    import gzip

    server.body = gzip.compress(json.dumps({"keys": [KEY_A.public_key().to_dict()]}).encode())
    server.headers["Content-Encoding"] = "gzip"
    assert [key.kid for key in JWKSClient(server.url, clock=clock).get_key_set()] == ["key-a"]
    assert [
        key.kid for key in asyncio.run(AsyncJWKSClient(server.url, clock=clock).get_key_set())
    ] == ["key-a"]
