"""The one bounded HTTP exchange behind every request jwtkit sends (JWKS, discovery,
introspection), in a sync and an async twin.

Both twins follow the same rules: the URL must be https (plain http only on loopback or by
explicit opt-in, never ``file://``), redirects are never followed, the body is capped at a
size and the whole exchange at a deadline (slow-drip servers included). Failures become an
:class:`ExchangeError` whose ``reason`` says what went wrong in words; each caller wraps it
in its own jwtkit error. httpx is imported on the first request, so ``import jwtkit`` stays
light.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import JWTKitError

if TYPE_CHECKING:
    import httpx

__all__ = ["ExchangeError", "Response", "ResponseTooLargeError", "check_url", "send", "send_async"]

#: (status, headers with lower-case names, body); the body is empty unless the status is 200.
Response = tuple[int, dict[str, str], bytes]


class ExchangeError(JWTKitError):
    """An HTTP exchange failed; ``reason`` says why, without URL credentials or bodies."""

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
        reason = f"{type(error).__name__} ({error})"
    else:
        reason = f"unexpected {type(error).__name__}"
    return ExchangeError(reason)


def _check_declared_size(response: httpx.Response, max_size: int) -> None:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_size:
        raise ResponseTooLargeError(f"the response is larger than {max_size} bytes")


def _too_large(max_size: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"the response is larger than {max_size} bytes")


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

    try:
        if http_client is not None:
            return _read(http_client, method, url, headers, timeout, max_size, content)
        with httpx.Client(timeout=timeout, follow_redirects=False) as http:
            return _read(http, method, url, headers, timeout, max_size, content)
    except ExchangeError:
        raise
    except Exception as error:  # the network edge: whatever httpx raises becomes ours
        raise _describe(error, timeout) from None


def _read(
    http: httpx.Client,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    max_size: int,
    content: bytes | None,
) -> Response:
    with http.stream(
        method, url, headers=headers, content=content, follow_redirects=False, timeout=timeout
    ) as response:
        if response.status_code != 200:
            return response.status_code, dict(response.headers), b""
        _check_declared_size(response, max_size)
        # httpx's timeout bounds each read; this bounds the whole body (slow-drip servers).
        deadline = time.monotonic() + timeout
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_size:
                raise _too_large(max_size)
            if time.monotonic() > deadline:
                raise _describe(TimeoutError(), timeout)
        return 200, dict(response.headers), bytes(body)


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
    async with http.stream(
        method, url, headers=headers, content=content, follow_redirects=False, timeout=timeout
    ) as response:
        if response.status_code != 200:
            return response.status_code, dict(response.headers), b""
        _check_declared_size(response, max_size)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_size:
                raise _too_large(max_size)
        return 200, dict(response.headers), bytes(body)
