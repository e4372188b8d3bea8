"""uvicorn's HTTP/1.1 protocol with a deadline for reading each request (the slowloris guard).

uvicorn closes an idle keep-alive connection, but it has no timeout for a request that is
being sent: a client that drips its headers one byte a second (or its body) holds the
connection, and a few hundred of them hold every file descriptor the process has. This
protocol gives each request ``request_read_timeout`` seconds, counted from the moment the
connection opens or the previous response ends, to arrive whole; then the connection is
closed (with ``408 Request Timeout`` if nothing of a response was sent yet). Once a request is
read, the deadline is off: the time the server takes to answer is not the client's fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["BoundedReadH11Protocol", "configured_read_timeout"]

log = logging.getLogger("jwtkit.server")

_TIMED_OUT_BODY = b'{"error":"invalid_request","error_description":"The request took too long"}'
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TIMED_OUT_BODY), _TIMED_OUT_BODY)
)
#: The client's h11 states in which a request is still (partly) to be read.
_READING = (h11.IDLE, h11.SEND_BODY)


@functools.cache
def configured_read_timeout() -> float:
    """``JWTKIT_REQUEST_READ_TIMEOUT`` (``jwtkit serve`` validated it before starting uvicorn;
    its worker processes read it here, as the app reads its settings)."""
    from .settings import Settings

    value = os.environ.get("JWTKIT_REQUEST_READ_TIMEOUT")
    default: float = Settings.model_fields["request_read_timeout"].default
    return float(value) if value else default


def _no_delay(transport: asyncio.Transport) -> None:
    """Turn Nagle's algorithm off for this connection, as asyncio does for the sockets it
    makes itself. Under ``--workers N`` uvicorn hands each worker the listening socket
    rebuilt from its file descriptor, whose ``proto`` reads 0, so asyncio does not recognise
    it as TCP and leaves Nagle on: a response written as two segments (the head, then the
    body) then waited for the client's delayed ACK, 40 ms per request."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # the peer may be gone already
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class BoundedReadH11Protocol(H11Protocol):
    """uvicorn names this class by its import path (``http=...``): a worker process imports
    it after answering the supervisor's first health check, so a slow start is not taken
    for a dead worker."""

    def __init__(
        self, *args: Any, request_read_timeout: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._read_timeout = (
            request_read_timeout if request_read_timeout is not None else configured_read_timeout()
        )
        self._read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in _READING:
            self._disarm()  # the whole request is in: the deadline no longer applies

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state in _READING:
            self._arm()  # the next request on this connection gets a fresh deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(self._read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _expired(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing() or self.conn.their_state not in _READING:
            return
        log.info(
            "closing a connection from %s: no complete request within %ss",
            self.client[0] if self.client else "unknown",
            self._read_timeout,
        )
        if self.conn.our_state is h11.IDLE:  # nothing of a response written yet
            self.transport.write(_TIMED_OUT)
        self.transport.close()
