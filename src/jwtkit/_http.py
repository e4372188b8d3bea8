"""The one bounded HTTP exchange behind every request jwtkit sends (JWKS, discovery,
introspection), in a sync and an async twin.

Both twins follow the same rules: the URL must be https (plain http only on loopback or by
explicit opt-in, never ``file://``), redirects are never followed, the body is capped at a
size *after* decoding (a gzip body is inflated in bounded steps, never all at once) and the
whole exchange at one deadline, connect, status line and headers included: a server that
drips its headers a byte a second holds a request no longer than the timeout. The async
twin bounds the exchange with ``asyncio.wait_for``; the sync one shuts the connection's
socket down when the deadline passes (httpx's own timeout bounds each read, not the whole).
Failures become an :class:`ExchangeError` whose ``reason`` says what went wrong in words;
each caller wraps it in its own jwtkit error. httpx is imported on the first request, so
``import jwtkit`` stays light.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import JWTKitError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ExchangeError",
    "Response",
    "ResponseTooLargeError",
    "check_request_headers",
    "check_url",
    "display_url",
    "send",
    "send_async",
]

#: (status, headers with lower-case names, body); the body is empty unless the status is 200.
Response = tuple[int, dict[str, str], bytes]


class ExchangeError(JWTKitError):
    """An HTTP exchange failed; ``reason`` says why, without URL credentials, header values or
    bodies (never the text of the library's own exception)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResponseTooLargeError(ExchangeError):
    """The response body (declared or received) exceeds the caller's limit."""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(
    url: object, allow_http: bool, what: str, error: type[JWTKitError] = JWTKitError
) -> str:
    """``url`` if jwtkit may fetch it: https, or http on loopback or by opt-in.

    ``file://``, ``ftp://`` and the like are refused outright: a URL that came from
    configuration (or from a discovery document) must never become a way to read local files.
    ``what`` names the URL in messages ("The JWKS URL ...").
    """
    if not isinstance(url, str):
        raise error(f"The {what} must be a string")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise error(f"The {what} is malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise error(
            f"The {what} must use https, not {scheme + '://' if scheme else 'a relative path'}"
        )
    if not host:
        raise error(f"The {what} has no host")
    if scheme == "http" and not allow_http and not _is_loopback(host):
        raise error(
            f"The {what} must use https (plain http is allowed only for loopback addresses, "
            "or with allow_http=True)"
        )
    return url


def check_request_headers(
    headers: object, error: type[JWTKitError] = JWTKitError
) -> dict[str, str]:
    """The caller's extra request headers as a new dict: names and values text, no line
    break or NUL in a value (a token read from a file keeps its newline). Checked once, up
    front, and refused without repeating the value, which is often a credential."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise error("headers must be a mapping of header names to values")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise error("headers must map header names (text) to values (text)")
        if "\r" in value or "\n" in value or "\x00" in value:
            raise error(
                f"The {name[:64]!r} header value holds a line break or NUL (a value read "
                "from a file with its newline?)"
            )
    return dict(headers)


def display_url(url: str) -> str:
    """``url`` as it may be shown (reprs, log lines, messages): scheme, host, port and path,
    without the user info or query string, which often carry credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(a malformed URL)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _describe(error: BaseException, timeout: float) -> ExchangeError:
    """An ExchangeError for an httpx failure, naming what went wrong in words."""
    import httpx

    if isinstance(error, httpx.TimeoutException | TimeoutError | asyncio.TimeoutError):
        reason = f"no complete answer within the {timeout:g} s timeout"
    elif isinstance(error, httpx.ConnectError):
        text = str(error)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            reason = "the server's TLS certificate is not trusted"
        else:
            reason = "could not connect"
    elif isinstance(error, httpx.TooManyRedirects):  # pragma: no cover - redirects are off
        reason = "redirects are not followed"
    elif isinstance(error, httpx.HTTPError):
        # The class only: httpx's text can quote what was sent (an Authorization header it
        # refused, the Basic credentials of an introspection client) or a URL with its
        # credentials, and this reason goes into errors and log lines.
        reason = f"the exchange failed ({type(error).__name__})"
    else:
        reason = f"unexpected {type(error).__name__}"
    return ExchangeError(reason)


def _check_declared_size(response: httpx.Response, max_size: int) -> None:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_size:
        raise ResponseTooLargeError(f"the response is larger than {max_size} bytes")


def _too_large(max_size: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"the response is larger than {max_size} bytes")


#: What we accept, so that a server has no reason to send what we would refuse (br, zstd).
_ACCEPT_ENCODING = "gzip, deflate"


def _stream_options(
    headers: Mapping[str, str], content: bytes | None, timeout: float
) -> dict[str, Any]:
    """What both twins pass to ``stream``: never follow a redirect, ask for no encoding
    that :class:`_BoundedBody` cannot inflate in bounded steps."""
    return {
        "headers": {"Accept-Encoding": _ACCEPT_ENCODING, **headers},
        "content": content,
        "follow_redirects": False,
        "timeout": timeout,
    }


class _BoundedBody:
    """A response body decoded as it arrives, refused as soon as the raw bytes or the decoded
    bytes pass ``max_size``: a 200 KB gzip body must not inflate to 140 MiB first.

    Only ``gzip``/``deflate`` (or none) are decoded; each raw chunk is inflated at most one
    byte past the limit at a time (``decompressobj.decompress(..., max_length)``).
    """

    def __init__(self, content_encoding: str | None, max_size: int) -> None:
        self._max_size = max_size
        self._raw = 0
        self._body = bytearray()
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            shown = (content_encoding or "")[:32]
            raise ExchangeError(f"unsupported Content-Encoding {shown!r}")
        # 32 + MAX_WBITS reads gzip and zlib alike; a raw deflate stream is tried on failure.
        self._inflater: Any = zlib.decompressobj(32 + zlib.MAX_WBITS) if codings else None
        self._raw_deflate = bool(codings) and codings[0] == "deflate"
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        self._raw += len(chunk)
        if self._raw > self._max_size:
            raise _too_large(self._max_size)
        if self._inflater is None:
            self._body += chunk
        else:
            self._inflate(chunk)
        if len(self._body) > self._max_size:
            raise _too_large(self._max_size)

    def _inflate(self, data: bytes) -> None:
        while data:
            room = self._max_size - len(self._body) + 1
            try:
                self._body += self._inflater.decompress(data, room)
            except zlib.error:
                if not (self._raw_deflate and not self._body):
                    raise ExchangeError("the response body is not valid gzip/deflate") from None
                # Some servers send "deflate" without the zlib wrapper (RFC 1951 only).
                self._inflater, self._raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                continue
            if len(self._body) > self._max_size:
                raise _too_large(self._max_size)
            data = self._inflater.unconsumed_tail

    def result(self) -> bytes:
        if self._inflater is not None and not self._inflater.eof:
            raise ExchangeError("the response body is truncated gzip/deflate")
        return bytes(self._body)


class _Deadline:
    """One deadline for a whole synchronous exchange. httpx's timeout bounds each read, so a
    server that sends a byte a second never trips it; at the deadline this shuts the socket
    down, which ends the blocked read at once (the connection is captured as httpcore opens
    it, through its ``trace`` request extension)."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut_down(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to interrupt
        sock.shutdown(socket.SHUT_RDWR)


def send(
    http_client: httpx.Client | None,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_size: int,
    content: bytes | None = None,
) -> Response:
    """One request with the rules above, on ``http_client`` or a fresh ``httpx.Client``."""
    import httpx

    with _Deadline(timeout) as deadline:
        try:
            if http_client is not None:
                return _read(
                    http_client, method, url, headers, timeout, max_size, content, deadline
                )
            with httpx.Client(timeout=timeout, follow_redirects=False) as http:
                return _read(http, method, url, headers, timeout, max_size, content, deadline)
        except ExchangeError:
            raise
        except Exception as error:  # the network edge: whatever httpx raises becomes ours
            if deadline.expired:  # the socket was shut down under a read: the deadline
                raise _describe(TimeoutError(), timeout) from None
            raise _describe(error, timeout) from None


def _read(
    http: httpx.Client,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    max_size: int,
    content: bytes | None,
    deadline: _Deadline,
) -> Response:
    options = _stream_options(headers, content, timeout)
    with http.stream(method, url, **options, extensions={"trace": deadline.trace}) as response:
        if response.status_code != 200:
            return response.status_code, dict(response.headers), b""
        _check_declared_size(response, max_size)
        body = _BoundedBody(response.headers.get("content-encoding"), max_size)
        for chunk in response.iter_raw():
            body.feed(chunk)
            if deadline.expired:
                raise _describe(TimeoutError(), timeout)
        return 200, dict(response.headers), body.result()


async def send_async(
    http_client: httpx.AsyncClient | None,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_size: int,
    content: bytes | None = None,
) -> Response:
    """The asyncio twin of :func:`send`: the event loop never waits on the network."""
    import httpx

    try:
        # wait_for bounds the whole exchange, slow-drip bodies included.
        if http_client is not None:
            return await asyncio.wait_for(
                _read_async(http_client, method, url, headers, timeout, max_size, content),
                timeout,
            )
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            return await asyncio.wait_for(
                _read_async(http, method, url, headers, timeout, max_size, content), timeout
            )
    except ExchangeError:
        raise
    except Exception as error:  # the network edge: whatever httpx raises becomes ours
        raise _describe(error, timeout) from None


async def _read_async(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    max_size: int,
    content: bytes | None,
) -> Response:
    async with http.stream(method, url, **_stream_options(headers, content, timeout)) as response:
        if response.status_code != 200:
            return response.status_code, dict(response.headers), b""
        _check_declared_size(response, max_size)
        body = _BoundedBody(response.headers.get("content-encoding"), max_size)
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return 200, dict(response.headers), body.result()
