"""The I/O-free half of issuer discovery (RFC 8414, then OpenID Connect Discovery 1.0).

A resource server configured with only its issuer learns where the keys are from the
issuer's metadata. Everything decided about that lives here, once: which URLs to try and in
what order, what makes a metadata document trustworthy (its ``issuer`` is exactly the one
configured, RFC 8414 §3.3; its URLs pass the same https policy as every URL jwtkit fetches),
and when a failed discovery may be retried. :mod:`jwtkit.discovery` holds the thin sync and
async shells that send the requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from . import _http
from ._codec import json_loads_object
from ._options import check_duration
from .errors import DecodeError, DiscoveryError

__all__ = [
    "MAX_METADATA_SIZE",
    "DiscoveryState",
    "IssuerMetadata",
    "check_issuer",
    "exchange_failure",
    "metadata_urls",
    "parse_metadata",
    "read_metadata_response",
]

#: Largest metadata document accepted, in bytes (real ones are a few KiB).
MAX_METADATA_SIZE = 64 * 1024
_ACCEPT = {"Accept": "application/json"}
# A metadata URL that answers one of these simply is not the one: try the next.
_NOT_HERE = frozenset({400, 401, 403, 404, 405, 406, 410})


@dataclass(frozen=True)
class IssuerMetadata:
    """What a resource server uses from an issuer's metadata; ``document`` is all of it."""

    issuer: str
    jwks_uri: str
    introspection_endpoint: str | None = None
    revocation_endpoint: str | None = None
    token_endpoint: str | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def check_issuer(issuer: object, allow_http: bool) -> str:
    """An issuer identifier: an https URL (http on loopback) without query or fragment."""
    url = _http.check_url(issuer, allow_http, "issuer", DiscoveryError)
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise DiscoveryError("The issuer must not have a query or fragment (RFC 8414 §2)")
    return url


def metadata_urls(issuer: str) -> tuple[str, ...]:
    """Where to look, in order: RFC 8414 §3.1 (the well-known segment goes between host and
    path), the same suffix appended as some servers do, then OpenID Discovery §4."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    base = issuer.rstrip("/")
    candidates = (
        f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{path}",
        f"{base}/.well-known/oauth-authorization-server",
        f"{base}/.well-known/openid-configuration",
    )
    return tuple(dict.fromkeys(candidates))


def _optional_url(document: Mapping[str, Any], name: str, allow_http: bool) -> str | None:
    value = document.get(name)
    if value is None:
        return None
    return _http.check_url(value, allow_http, f"metadata's {name}", DiscoveryError)


def parse_metadata(body: bytes, issuer: str, allow_http: bool) -> IssuerMetadata:
    """A metadata document, checked: the issuer must match exactly and the URLs be fetchable."""
    try:
        document = json_loads_object(body, "metadata document")
    except DecodeError as error:
        raise DiscoveryError(f"Invalid issuer metadata: {error}") from None
    if document.get("issuer") != issuer:
        # RFC 8414 §3.3: otherwise another server's keys could be passed off as this one's.
        raise DiscoveryError(
            "The issuer metadata names another issuer than the configured one (RFC 8414 §3.3)"
        )
    if not isinstance(document.get("jwks_uri"), str):
        raise DiscoveryError("The issuer metadata has no jwks_uri")
    return IssuerMetadata(
        issuer=issuer,
        jwks_uri=_http.check_url(
            document["jwks_uri"], allow_http, "metadata's jwks_uri", DiscoveryError
        ),
        introspection_endpoint=_optional_url(document, "introspection_endpoint", allow_http),
        revocation_endpoint=_optional_url(document, "revocation_endpoint", allow_http),
        token_endpoint=_optional_url(document, "token_endpoint", allow_http),
        document=MappingProxyType(document),
    )


def read_metadata_response(
    response: _http.Response, issuer: str, allow_http: bool
) -> IssuerMetadata | None:
    """The metadata in one response, or None when this URL is not where it lives."""
    status, _, body = response
    if status == 200:
        return parse_metadata(body, issuer, allow_http)
    if status in _NOT_HERE:
        return None
    if 300 <= status < 400:
        raise DiscoveryError(
            f"The issuer metadata URL answered HTTP {status}: redirects are not followed"
        )
    raise DiscoveryError(f"The issuer metadata URL answered HTTP {status}")


def exchange_failure(error: _http.ExchangeError) -> DiscoveryError:
    if isinstance(error, _http.ResponseTooLargeError):
        return DiscoveryError(f"The issuer metadata is larger than {MAX_METADATA_SIZE} bytes")
    return DiscoveryError(f"Could not fetch the issuer metadata: {error.reason}")


class DiscoveryState:
    """Discovered metadata, or the last failure and when discovery may be tried again.

    Metadata, once found, is kept for the life of the object (an issuer does not move its
    JWKS; the JWKS client follows key rotations). A failure is retried at most once per
    ``retry_after`` seconds, so an unreachable issuer costs one attempt, not one per request.
    """

    def __init__(self, issuer: str, allow_http: bool, retry_after: float) -> None:
        retry_after = check_duration(retry_after, "retry_after", DiscoveryError)
        self.issuer = issuer
        self.allow_http = allow_http
        self.urls = metadata_urls(issuer)
        self.retry_after = retry_after
        self.metadata: IssuerMetadata | None = None
        self.attempts = 0
        self._failure: DiscoveryError | None = None
        self._failed_at = 0.0

    def should_fetch(self, now: float) -> bool:
        if self.metadata is not None:
            return False
        return self._failure is None or now >= self._failed_at + self.retry_after

    def begin(self) -> None:
        self.attempts += 1

    def read(self, response: _http.Response) -> IssuerMetadata | None:
        return read_metadata_response(response, self.issuer, self.allow_http)

    def not_found(self) -> DiscoveryError:
        return DiscoveryError(
            "The issuer publishes no metadata at /.well-known/oauth-authorization-server "
            "or /.well-known/openid-configuration"
        )

    def record(self, metadata: IssuerMetadata) -> None:
        self.metadata = metadata
        self._failure = None

    def record_failure(self, error: DiscoveryError, now: float) -> None:
        self._failure = error
        self._failed_at = now

    def answer(self) -> IssuerMetadata:
        if self.metadata is not None:
            return self.metadata
        raise self._failure or DiscoveryError("The issuer has not been discovered yet")
