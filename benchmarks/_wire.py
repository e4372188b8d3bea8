"""The load generator's HTTP/1.1 client: one keep-alive connection, requests written as bytes.

The benchmarks share the machine's cores with the servers they measure, so every
microsecond the load generator spends is one the server does not get. httpx costs about as
much CPU per request as the server's cheapest endpoint (it builds a request object, runs its
middleware-like hooks and parses every header into a case-insensitive multidict). This client
does the least a closed-loop load generator needs: write one request, read the status line,
then the body by its ``content-length`` or its chunks (Django under gunicorn streams). It
speaks only to servers this benchmark started on loopback, so nothing else of HTTP/1.1 is
needed; a response it cannot read closes the connection and is reported as a transport
error, the same as a refused connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["Connection", "Response", "WireError", "basic_auth"]

_MAX_HEAD = 64 * 1024


class WireError(Exception):
    """The connection failed or the server's answer was not HTTP/1.1 we can read."""


class Response:
    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def basic_auth(client_id: str, secret: str) -> str:
    """An ``Authorization`` header value for client_secret_basic (RFC 6749 §2.3.1)."""
    from urllib.parse import quote

    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class Connection:
    """One keep-alive connection to ``base_url``, opened on first use and again after the
    server closes it. Not safe to share between concurrent requests: each closed loop of the
    load generator owns one."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._authority = parts.netloc.encode("ascii")
        self._timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_form(
        self, path: str, form: dict[str, str], authorization: str | None = None
    ) -> Response:
        body = urlencode(form).encode("ascii")
        head = (
            b"POST %s HTTP/1.1\r\nhost: %s\r\ncontent-type: application/x-www-form-urlencoded"
            b"\r\ncontent-length: %d\r\n" % (path.encode("ascii"), self._authority, len(body))
        )
        if authorization is not None:
            head += b"authorization: %s\r\n" % authorization.encode("ascii")
        return await self._exchange(head + b"\r\n" + body)

    async def get(self, path: str, headers: bytes = b"") -> Response:
        """``headers``: extra header lines, each ending in CRLF."""
        return await self._exchange(
            b"GET %s HTTP/1.1\r\nhost: %s\r\n%s\r\n"
            % (path.encode("ascii"), self._authority, headers)
        )

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _exchange(self, request: bytes) -> Response:
        try:
            return await asyncio.wait_for(self._send(request), self._timeout)
        except (
            OSError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.TimeoutError,
            ValueError,
            IndexError,
        ) as error:
            await self.close()
            raise WireError(f"{type(error).__name__}: {error}") from None

    async def _send(self, request: bytes) -> Response:
        if self._reader is not None and self._reader.at_eof():
            await self.close()  # the server closed the idle keep-alive connection meanwhile
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(
                self._host, self._port, limit=_MAX_HEAD
            )
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, _, headers = head.partition(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        close = chunked = False
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding":
                chunked = value.strip().lower() == b"chunked"
                if not chunked:
                    raise ValueError(f"transfer-encoding {value!r}")
        if chunked:
            body = await self._chunks()
        else:
            body = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return Response(status, body)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append((await self._reader.readexactly(size + 2))[:-2])
            if size == 0:
                return b"".join(parts)
