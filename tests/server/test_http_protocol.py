"""Slow and oversized clients against a real ``jwtkit serve`` process.

Each attack is cut off with a 4xx or a closed connection, and a well-behaved client is
served while it goes on. Raw sockets play the attacker (an HTTP library would refuse to be
this rude); every wait on them is bounded by a socket timeout or a deadline, and the pace
of a drip (one byte a second) is the socket's own receive timeout, not a sleep.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from serving import ServerProcess, serve_jwtkit

READ_TIMEOUT = 2  # JWTKIT_REQUEST_READ_TIMEOUT for these tests
GIVE_UP = 30.0  # seconds after which a test declares the server never cut the client off


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    cwd: Path = tmp_path_factory.mktemp("hostile")
    env = {
        "JWTKIT_DATABASE_URL": "sqlite:///./jwtkit.db",
        "JWTKIT_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT),
    }
    with serve_jwtkit(cwd, env=env) as running:
        yield running


def _connect(server: ServerProcess) -> socket.socket:
    parts = urlsplit(server.url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=5)
    return connection


def _others_are_served(server: ServerProcess) -> None:
    response = httpx.get(server.url + "/.well-known/jwks.json", timeout=10)
    assert response.status_code == 200


def _answer(connection: socket.socket) -> bytes:
    """What the server sends before it closes (b"" if it just closed or reset)."""
    received = b""
    connection.settimeout(GIVE_UP)
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _dripped_until_cut(server: ServerProcess, head: bytes, drip: bytes) -> bytes:
    """Send ``head``, then ``drip`` one byte a second, checking between bytes that others are
    served; return what the server answered when it cut the connection."""
    with _connect(server) as connection:
        connection.sendall(head)
        connection.settimeout(1.0)  # the drip's pace: wait a second for an answer per byte
        deadline = time.monotonic() + GIVE_UP
        for byte in drip:
            assert time.monotonic() < deadline, "the slow client was never cut off"
            try:
                connection.sendall(bytes([byte]))
                answer = connection.recv(65536)
            except TimeoutError:
                _others_are_served(server)
                continue
            except (BrokenPipeError, ConnectionResetError):
                return b""
            return answer + _answer(connection)
    raise AssertionError("the slow client was never cut off")


def test_slowloris_headers_are_cut_off_while_others_are_served(server: ServerProcess) -> None:
    answer = _dripped_until_cut(
        server, b"GET /healthz HTTP/1.1\r\nHost: jwtkit.test\r\n", b"X-Slow: " + b"a" * 200
    )
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    _others_are_served(server)


def test_a_slow_body_is_cut_off_while_others_are_served(server: ServerProcess) -> None:
    head = (
        b"POST /auth/token HTTP/1.1\r\nHost: jwtkit.test\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
    )
    answer = _dripped_until_cut(server, head, b"grant_type=password&" + b"x" * 480)
    # The app was already waiting for the body: the connection is closed (or answered 4xx).
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:100]
    _others_are_served(server)


def test_many_slow_connections_are_all_cut_off_while_others_are_served(
    server: ServerProcess,
) -> None:
    connections = [_connect(server) for _ in range(100)]
    try:
        for connection in connections:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: jwtkit.test\r\nX-Slow: a")
        _others_are_served(server)
        for connection in connections:  # each is closed by the server, none waits forever
            answer = _answer(connection)
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    finally:
        for connection in connections:
            connection.close()
    _others_are_served(server)


def test_an_idle_connection_that_never_sends_is_closed(server: ServerProcess) -> None:
    with _connect(server) as connection:
        answer = _answer(connection)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    _others_are_served(server)


def test_a_declared_100_mb_body_is_refused_before_it_is_read(server: ServerProcess) -> None:
    with _connect(server) as connection:
        connection.sendall(
            b"POST /auth/token HTTP/1.1\r\nHost: jwtkit.test\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        answer = _answer(connection)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:100]
    assert b"larger than 65536 bytes" in answer
    _others_are_served(server)


def test_ten_thousand_form_fields_are_refused(server: ServerProcess) -> None:
    repeated = httpx.post(
        server.url + "/auth/token",
        content=b"a=1&" * 10_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert repeated.status_code == 400
    assert "more than 32 fields" in repeated.json()["error_description"]
    distinct = httpx.post(
        server.url + "/auth/token",
        content="&".join(f"f{index}=1" for index in range(10_000)).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert distinct.status_code in (400, 413)  # over the field cap or over the body cap
    _others_are_served(server)


def test_a_one_megabyte_header_is_refused(server: ServerProcess) -> None:
    with _connect(server) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # cut off mid-header
            connection.sendall(
                b"GET /healthz HTTP/1.1\r\nHost: jwtkit.test\r\nX-Big: "
                + b"a" * (1024 * 1024)
                + b"\r\n\r\n"
            )
        answer = _answer(connection)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:100]
    _others_are_served(server)


def test_a_worker_socket_rebuilt_from_its_descriptor_gets_nagle_turned_off() -> None:
    """Under ``--workers N`` each worker accepts on the listening socket rebuilt from its
    descriptor (``proto`` 0), and asyncio then leaves Nagle's algorithm on: every response,
    written as a head and a body, waited 40 ms for the client's delayed ACK. The protocol
    turns it off itself."""
    import asyncio

    from jwtkit.server.http_protocol import _no_delay

    async def accept_one() -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        rebuilt = socket.fromfd(listener.fileno(), socket.AF_INET, socket.SOCK_STREAM)
        listener.close()
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                assert isinstance(transport, asyncio.Transport)
                _no_delay(transport)
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=rebuilt)
        try:
            _, writer = await asyncio.open_connection(*rebuilt.getsockname()[:2])
            try:
                return await asyncio.wait_for(accepted, 10)
            finally:
                writer.close()
        finally:
            server.close()

    assert asyncio.run(accept_one()) != 0
