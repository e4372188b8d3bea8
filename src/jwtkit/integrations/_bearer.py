"""RFC 6750 for every framework, in one place: read the bearer token, verify it, check the
scopes, and say exactly what went wrong.

The framework modules (:mod:`~jwtkit.integrations.fastapi`, ``asgi``, ``flask``,
``django``) are thin adapters: they hand :class:`BearerGuard` the request's
``Authorization`` header values and query string, and turn a :class:`BearerError` into their
own response object with the status, headers and body it carries. So every framework
answers the same way:

=====================================================  ======  ============================
situation                                              status  ``WWW-Authenticate``
=====================================================  ======  ============================
no token (or another auth scheme)                      401     ``Bearer realm="..."``
token invalid, expired, from another issuer, revoked   401     ``error="invalid_token"``
token lacks a required scope                           403     ``error="insufficient_scope"``
malformed header, token in the URL or in two places    400     ``error="invalid_request"``
issuer's keys or revocation state unreachable          503     (none; ``Retry-After``)
=====================================================  ======  ============================

The body is always ``{"detail": {"error": ..., "error_description": ...}}`` (the shape that
FastAPI and Django REST framework give every error); descriptions are fixed sentences, so
neither the token nor anything about the keys can reach a response.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from .. import Verifier
from .._denylist_keys import REVOKED_KEY_OUTLIVES_TOKEN
from .._key_input import resolve_key
from ..errors import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidOptionError,
    InvalidSignatureError,
    InvalidTokenError,
    InvalidTypeError,
    JWKSError,
    JWTKitError,
    KeyNotFoundError,
    MissingRequiredClaimError,
    RevocationCheckError,
)
from ..jwa import SIGNATURE_ALGORITHMS, get_signature_algorithm
from ..jwk import Key, KeySet

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DEFAULT_REQUIRED_CLAIMS",
    "OPTION_NAMES",
    "RETRY_AFTER_SECONDS",
    "BearerError",
    "BearerGuard",
    "TokenUser",
    "normalise_scopes",
    "options_from_config",
    "read_bearer_token",
]

#: Verified tokens each guard remembers (see ``Verifier(cache_size=...)``).
DEFAULT_CACHE_SIZE = 1024
#: Claims every access token must carry (RFC 9068 §2.2 requires these and more); ``iss`` and
#: ``aud`` are required too, because the guard always expects them.
DEFAULT_REQUIRED_CLAIMS = ("exp", "iat", "sub")
#: Asymmetric algorithms: the only ones that can verify with keys an issuer publishes.
PUBLISHED_KEY_ALGORITHMS = tuple(
    name for name, algorithm in SIGNATURE_ALGORITHMS.items() if algorithm.key_type != "oct"
)

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*", re.ASCII)
# The same characters as bytes, for the usual header's check (see _usual_bearer_token).
_B64TOKEN_CHARACTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"
# The slow path's split of a header into scheme, separator and credentials.
_SCHEME = re.compile(r"([^ \t]*)([ \t]*)(.*)", re.ASCII | re.DOTALL)
# RFC 6749 §3.3 scope-token, and RFC 6750 §3's characters allowed in quoted values.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+", re.ASCII)
_QUOTABLE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+", re.ASCII)
#: Seconds a 503 asks the client to wait (discovery retries at most this often too).
RETRY_AFTER_SECONDS = 30


# -- the answers -----------------------------------------------------------------------------


class BearerError(JWTKitError):
    """One RFC 6750 answer: ``status``, the ``error`` code (None when no token was sent) and
    a fixed ``description``; ``scope`` lists the scopes a 403 needed."""

    def __init__(
        self, status: int, error: str | None, description: str, scope: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope

    @property
    def detail(self) -> dict[str, str]:
        """The body's ``detail`` object."""
        detail = {"error": self.error or "missing_token", "error_description": self.description}
        if self.scope is not None:
            detail["scope"] = self.scope
        return detail

    def challenge(self, realm: str) -> str | None:
        """The ``WWW-Authenticate`` value (RFC 6750 §3), or None for a 503."""
        if self.status == 503:
            return None
        parts = [f'realm="{realm}"']
        if self.error is not None:  # §3.1: no error code when the request had no token
            parts.append(f'error="{self.error}"')
            parts.append(f'error_description="{self.description}"')
        if self.scope is not None:
            parts.append(f'scope="{self.scope}"')
        return "Bearer " + ", ".join(parts)

    def headers(self, realm: str) -> dict[str, str]:
        """Response headers other than ``Content-Type``. (No ``Cache-Control``: 400, 401,
        403 and 503 answers are not stored by caches unless told to, RFC 9111 §4.2.2.)"""
        challenge = self.challenge(realm)
        if challenge is None:
            return {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return {"WWW-Authenticate": challenge}

    def body(self) -> bytes:
        return json.dumps({"detail": self.detail}, separators=(", ", ": ")).encode("utf-8")


def missing_token() -> BearerError:
    return BearerError(401, None, "An access token is required")


def invalid_request(description: str) -> BearerError:
    return BearerError(400, "invalid_request", description)


def invalid_token(description: str) -> BearerError:
    return BearerError(401, "invalid_token", description)


def insufficient_scope(required: Collection[str]) -> BearerError:
    return BearerError(
        403,
        "insufficient_scope",
        "The access token does not grant the scope this needs",
        " ".join(required),
    )


def unavailable(description: str) -> BearerError:
    return BearerError(503, "temporarily_unavailable", description)


# Fixed sentences per failure, most specific first: no message of a caught error (which
# could one day carry a claim value) ever reaches a response.
_DESCRIPTIONS: tuple[tuple[type[JWTKitError], str], ...] = (
    (ExpiredSignatureError, "The access token has expired"),
    (ImmatureSignatureError, "The access token is not valid yet"),
    (InvalidAudienceError, "The access token is meant for another audience"),
    (InvalidIssuerError, "The access token is from another issuer"),
    (InvalidTypeError, "The token is not an access token (typ at+jwt)"),
    (InvalidAlgorithmError, "The access token's algorithm is not accepted"),
    (KeyNotFoundError, "The access token's signing key is unknown"),
    (InvalidSignatureError, "The access token's signature is invalid"),
    (MissingRequiredClaimError, "The access token lacks a required claim"),
    (DecodeError, "The access token is malformed"),
    (InvalidTokenError, "The access token is invalid"),
)


def _describe(error: InvalidTokenError) -> str:
    for kind, description in _DESCRIPTIONS:
        if isinstance(error, kind):
            return description
    return "The access token is invalid"  # pragma: no cover - InvalidTokenError closes it


# -- the request -----------------------------------------------------------------------------


def query_has_token(query: str | bytes) -> bool:
    """Whether the URL carries an ``access_token`` parameter (RFC 6750 §2.3)."""
    if not query:
        return False
    text = query.decode("latin-1") if isinstance(query, bytes) else query
    if "access" not in text and "%" not in text:
        return False
    return any(name == "access_token" for name, _ in parse_qsl(text, keep_blank_values=True))


def asgi_authorization(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The ``Authorization`` values among an ASGI request's headers (ASGI servers send the
    names in lower case), read straight from the scope rather than through a headers
    object: the FastAPI dependency and the ASGI middleware run this on every request."""
    return [value.decode("latin-1") for name, value in headers if name == b"authorization"]


def wsgi_authorization(environ: Mapping[str, Any]) -> list[str]:
    """The ``Authorization`` value of a WSGI request (Flask's environ, Django's ``META``): a
    WSGI server joins repeated headers into one, which :func:`read_bearer_token` refuses."""
    value = environ.get("HTTP_AUTHORIZATION")
    return [] if value is None else [value]


def _usual_bearer_token(value: str) -> str | None:
    """The token of a header written the usual way, ``Bearer <b64token>``, else None (the
    careful path decides). Every request of a protected API runs this: deleting the token's
    characters from its bytes and finding nothing left costs half of a regular expression
    over a JWT's few hundred characters."""
    if not value.startswith("Bearer "):
        return None
    token = value[7:]
    body = token.rstrip("=")
    if body and body.isascii() and not body.encode("ascii").translate(None, _B64TOKEN_CHARACTERS):
        return token
    return None


def read_bearer_token(authorization: Sequence[str], query: str | bytes = "") -> str | None:
    """The bearer token of a request, None if it sent none; :class:`BearerError` (400) when
    the request is malformed: a broken header, several ``Authorization`` headers, or a token
    in the URL (this resource server reads tokens from the header only, RFC 6750 §2.3 says
    URLs SHOULD NOT carry them; one in both places is §3.1's ``invalid_request``)."""
    if len(authorization) == 1 and not query:  # the usual request
        token = _usual_bearer_token(authorization[0])
        if token is not None:
            return token
    in_query = query_has_token(query)
    # A WSGI server joins repeated headers with ", ": the same mistake, the same answer.
    if len(authorization) > 1 or (authorization and "," in authorization[0]):
        raise invalid_request("The request has more than one Authorization credential")
    token = None
    if authorization:
        parts = _SCHEME.fullmatch(authorization[0].strip(" \t"))
        assert parts is not None  # every string matches
        scheme, separator, credentials = parts.groups()
        if scheme.lower() == "bearer":
            token = credentials
            if not token:
                raise invalid_request("The Authorization header has no bearer token")
            # RFC 9110 §11.4: the scheme and its credentials are separated by spaces only; a
            # tab there is no other scheme but a malformed Bearer header.
            if "\t" in separator or not _B64TOKEN.fullmatch(token):
                raise invalid_request("The Authorization header is malformed")
        # Another scheme (Basic, ...) is "no bearer token" (§3.1: no error code), unless ...
    if in_query:
        if token is not None:
            raise invalid_request("The access token was sent in more than one place")
        raise invalid_request("Send the access token in the Authorization header, not the URL")
    return token


# -- scopes ----------------------------------------------------------------------------------


def normalise_scopes(scopes: str | Iterable[str] | None) -> tuple[str, ...]:
    """Required scopes as given by a route: a list, or one space-separated string."""
    if scopes is None:
        return ()
    names = scopes.split(" ") if isinstance(scopes, str) else list(scopes)
    result = tuple(dict.fromkeys(name for name in names if name != ""))
    for name in result:
        if not isinstance(name, str) or not _SCOPE_TOKEN.fullmatch(name):
            raise InvalidOptionError(
                "A scope is one word of printable ASCII without spaces, quotes or backslashes"
            )
    return result


#: Scope strings up to this long have their split remembered (1,024 of them at most, so a
#: few MB); a longer one, which only an issuer granting huge scopes signs, is split each time.
_REMEMBERED_SCOPE_LENGTH = 1024


def _split_scope(scope: str) -> frozenset[str]:
    return frozenset(scope.split(" ")) - {""}


# A service sees a handful of distinct scope strings (its clients' grants), each on every
# request: split each once. The strings come from verified tokens only.
_remembered_split = lru_cache(maxsize=1024)(_split_scope)


def _scope_words(scope: str) -> frozenset[str]:
    if len(scope) <= _REMEMBERED_SCOPE_LENGTH:
        return _remembered_split(scope)
    return _split_scope(scope)


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes a token grants: ``scope`` (space-separated, RFC 8693/9068) and ``scp``
    (a list or a space-separated string, as some issuers send)."""
    scope = claims.get("scope")
    if scope is not None and type(scope) is not str:
        raise invalid_token("The access token's scope claim is malformed")
    scp = claims.get("scp")
    granted = frozenset() if scope is None else _scope_words(scope)
    if scp is None:  # the usual token
        return granted
    if type(scp) is str:
        return granted | _scope_words(scp)
    if type(scp) is list and all(type(item) is str for item in scp):
        return granted | (frozenset(scp) - {""})
    raise invalid_token("The access token's scp claim is malformed")


class TokenUser:
    """The caller a verified token stands for, shaped as the frameworks expect a user:
    Starlette's ``is_authenticated``/``display_name``/``identity``, Django's
    ``is_authenticated``/``is_anonymous``/``pk``/``get_username()``. It is no database user:
    it has the token's ``claims`` and ``scopes`` and no permissions beyond them."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, claims: Mapping[str, Any], scopes: frozenset[str]) -> None:
        self.claims = claims
        self.scopes = scopes

    @property
    def subject(self) -> str:
        return str(self.claims.get("sub", ""))

    identity = display_name = username = pk = id = subject

    def get_username(self) -> str:
        return self.subject

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perms: Iterable[str], obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def __str__(self) -> str:
        return self.subject

    def __repr__(self) -> str:
        return f"<TokenUser sub={self.subject!r}>"


# -- configuration ---------------------------------------------------------------------------


def _resolve_offline_keys(keys: Any) -> Key | KeySet:
    resolved = resolve_key(keys, for_hmac=False) if not isinstance(keys, str | bytes) else None
    if not isinstance(resolved, Key | KeySet):
        raise InvalidOptionError("keys must be a jwtkit Key, a KeySet or a JWKS dict")
    return resolved


def _fitting_algorithms(keys: Key | KeySet) -> list[str]:
    """Every asymmetric algorithm some key can verify (its type, curve and bound ``alg``)."""
    names = []
    for name in PUBLISHED_KEY_ALGORITHMS:
        algorithm = SIGNATURE_ALGORITHMS[name]
        for key in keys if isinstance(keys, KeySet) else (keys,):
            if key.alg not in (None, name) or key.use not in (None, "sig"):
                continue
            try:
                key._check_fits(algorithm)
            except InvalidKeyError:
                continue
            names.append(name)
            break
    return names


def choose_algorithms(
    algorithms: Iterable[str] | None, offline_keys: Key | KeySet | None
) -> list[str]:
    """The algorithms a guard accepts: the caller's list, checked, or what the keys allow.

    Never ``none`` (not in the registry), and never HMAC with keys an issuer publishes: a
    public key is public, so an HMAC "signed" with it proves nothing (the confusion attack).
    """
    if algorithms is None:
        if offline_keys is None:
            return list(PUBLISHED_KEY_ALGORITHMS)
        chosen = _fitting_algorithms(offline_keys)
        if not chosen:
            raise InvalidOptionError(
                "None of the keys can verify an asymmetric algorithm; a symmetric (HMAC) key "
                "needs algorithms=[...] given explicitly"
            )
        return chosen
    if isinstance(algorithms, str) or not algorithms:
        raise InvalidOptionError("algorithms must be a non-empty list, e.g. ['ES256']")
    chosen = list(dict.fromkeys(algorithms))
    for name in chosen:
        algorithm = get_signature_algorithm(name)  # unknown names and "none" raise
        if algorithm.key_type == "oct" and offline_keys is None:
            raise InvalidOptionError(
                f"{name} (HMAC) cannot verify with keys an issuer publishes: with published "
                "keys only asymmetric algorithms are safe"
            )
    return chosen


def _check_quotable(value: str, name: str) -> str:
    if not isinstance(value, str) or not _QUOTABLE.fullmatch(value):
        raise InvalidOptionError(
            f"{name} must be printable ASCII without quotes or backslashes (it goes into a "
            "WWW-Authenticate header)"
        )
    return value


@dataclass(frozen=True)
class _Revocation:
    """The revocation settings, resolved."""

    mode: str  # "introspection" or "redis"
    redis_url: str | None


def _revocation_mode(revocation: object) -> _Revocation | None:
    if revocation is None or revocation is False:
        return None
    if revocation == "introspection":
        return _Revocation("introspection", None)
    if isinstance(revocation, str) and revocation.startswith(("redis://", "rediss://", "unix://")):
        return _Revocation("redis", revocation)
    raise InvalidOptionError(
        "revocation must be None, 'introspection' or a Redis URL (redis://host:port/db)"
    )


class BearerGuard:
    """The resource server's token policy: which tokens it accepts and how it answers.

    ``issuer`` and ``audience`` are required. Keys come from ``keys`` (a :class:`Key`,
    :class:`KeySet` or JWKS dict, for offline use), else from ``jwks_url``, else from the
    issuer's metadata. With ``asynchronous=True`` every fetch goes through asyncio
    (:meth:`authenticate_async`); otherwise through threads (:meth:`authenticate`).
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str | Sequence[str],
        jwks_url: str | None = None,
        keys: Any = None,
        algorithms: Iterable[str] | None = None,
        typ: str | None = "at+jwt",
        leeway: float | timedelta = 0,
        required_claims: Iterable[str] = DEFAULT_REQUIRED_CLAIMS,
        realm: str | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        revocation: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        introspection_endpoint: str | None = None,
        revocation_cache_seconds: float = 30.0,
        redis_prefix: str = "jwtkit:",
        allow_http: bool = False,
        http_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        asynchronous: bool = False,
    ) -> None:
        if not isinstance(issuer, str) or not issuer:
            raise InvalidOptionError("issuer is required (the authorization server's URL)")
        if not audience or not (
            isinstance(audience, str)
            or (isinstance(audience, Sequence) and all(isinstance(a, str) for a in audience))
        ):
            raise InvalidOptionError("audience is required (this API's identifier)")
        if keys is not None and jwks_url is not None:
            raise InvalidOptionError("Give keys (offline) or jwks_url, not both")
        self.issuer = issuer
        self.audience = audience
        self.realm = _check_quotable(
            realm if realm is not None else audience if isinstance(audience, str) else audience[0],
            "realm",
        )
        self.asynchronous = asynchronous
        offline = _resolve_offline_keys(keys) if keys is not None else None
        revocation_mode = _revocation_mode(revocation)
        required = list(required_claims)
        if isinstance(required_claims, str):
            raise InvalidOptionError("required_claims must be a list of claim names")
        if revocation_mode is not None and revocation_mode.mode == "redis":
            required.append(
                "jti"
            )  # the denylist is keyed by jti: a token without one can't be checked
            seconds = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
            if isinstance(seconds, (int, float)) and seconds > REVOKED_KEY_OUTLIVES_TOKEN:
                # The server keeps a revoked token's key that long after its exp: past it,
                # a revoked token the leeway still accepts would be let back in.
                raise InvalidOptionError(
                    f"leeway may be at most {REVOKED_KEY_OUTLIVES_TOKEN} seconds with the Redis "
                    "revocation check"
                )
        self._issuer_client: Any = None  # made on first need: no I/O at construction
        self._allow_http = allow_http
        self._http_timeout = http_timeout
        if offline is None:
            self._issuer_client = self._make_issuer_client(jwks_url)
        self.verifier = Verifier(
            offline if offline is not None else self._issuer_client,
            algorithms=choose_algorithms(algorithms, offline),
            issuer=issuer,
            audience=audience,
            typ=typ,
            leeway=leeway,
            required=required,
            clock=clock,
            cache_size=cache_size,
        )
        self.revocation: Any = None
        if revocation_mode is not None:
            self.revocation = self._make_revocation(
                revocation_mode,
                client_id=client_id,
                client_secret=client_secret,
                endpoint=introspection_endpoint,
                max_age=revocation_cache_seconds,
                redis_prefix=redis_prefix,
                allow_http=allow_http,
                timeout=http_timeout,
                clock=clock,
            )

    def _make_issuer_client(self, jwks_url: str | None) -> Any:
        from ..discovery import AsyncIssuerJWKSClient, IssuerJWKSClient

        kind = AsyncIssuerJWKSClient if self.asynchronous else IssuerJWKSClient
        return kind(
            self.issuer, jwks_url=jwks_url, allow_http=self._allow_http, timeout=self._http_timeout
        )

    def _issuer(self) -> Any:
        if self._issuer_client is None:  # offline keys, but introspection needs metadata
            self._issuer_client = self._make_issuer_client(None)
        return self._issuer_client

    def _make_revocation(self, mode: _Revocation, **options: Any) -> Any:
        from . import _revocation

        redis_prefix = options.pop("redis_prefix")
        if mode.mode == "redis":
            assert mode.redis_url is not None
            kind = (
                _revocation.AsyncRedisDenylist if self.asynchronous else _revocation.RedisDenylist
            )
            return kind(mode.redis_url, prefix=redis_prefix, timeout=options["timeout"])
        if self.asynchronous:

            async def endpoint_async() -> str | None:
                endpoint: str | None = (await self._issuer().metadata()).introspection_endpoint
                return endpoint

            return _revocation.AsyncIntrospection(endpoint_source=endpoint_async, **options)
        return _revocation.Introspection(
            endpoint_source=lambda: self._issuer().metadata().introspection_endpoint, **options
        )

    # -- the decisions ---------------------------------------------------------------------

    def authenticate(
        self, authorization: Sequence[str], query: str | bytes = ""
    ) -> dict[str, Any] | None:
        """The verified claims of the request's token, None if it sent none, or a
        :class:`BearerError` saying why not. For guards built with ``asynchronous=False``."""
        token = read_bearer_token(authorization, query)
        if token is None:
            return None
        try:
            claims = self.verifier.verify(token)
            token_scopes(claims)  # a malformed scope claim is the token's fault: say so now
            if self.revocation is not None and self.revocation.is_revoked(token, claims):
                raise invalid_token("The access token has been revoked")
        except JWTKitError as error:
            raise _answer_for(error) from None
        return claims

    async def authenticate_async(
        self, authorization: Sequence[str], query: str | bytes = ""
    ) -> dict[str, Any] | None:
        """Like :meth:`authenticate`; fetches never block the event loop, the CPU-only
        check runs inline. For guards built with ``asynchronous=True``."""
        token = read_bearer_token(authorization, query)
        if token is None:
            return None
        try:
            claims = await self.verifier.verify_async(token)
            token_scopes(claims)
            if self.revocation is not None and await self.revocation.is_revoked(token, claims):
                raise invalid_token("The access token has been revoked")
        except JWTKitError as error:
            raise _answer_for(error) from None
        return claims

    @staticmethod
    def scopes(claims: Mapping[str, Any]) -> frozenset[str]:
        return token_scopes(claims)

    @staticmethod
    def require(claims: Mapping[str, Any] | None, required_scopes: Collection[str]) -> None:
        """Raise the 401 for no token, or the 403 naming ``required_scopes`` if one is missing."""
        if claims is None:
            raise missing_token()
        if required_scopes and not token_scopes(claims).issuperset(required_scopes):
            raise insufficient_scope(required_scopes)

    def user(self, claims: Mapping[str, Any]) -> TokenUser:
        return TokenUser(claims, token_scopes(claims))


def _answer_for(error: JWTKitError) -> BearerError:
    if isinstance(error, BearerError):
        return error
    if isinstance(error, InvalidTokenError):
        return invalid_token(_describe(error))
    if isinstance(error, JWKSError):  # discovery or JWKS fetch failed: not the token's fault
        return unavailable("The token issuer's keys could not be fetched")
    if isinstance(error, RevocationCheckError):
        return unavailable("Whether the access token is revoked could not be checked")
    # Any other refusal (a key the policy rejects, say): the token cannot be accepted.
    return invalid_token("The access token could not be verified")


#: Every option a guard takes, as settings name them (Flask: ``JWTKIT_<NAME>``, Django:
#: ``JWTKIT = {"<NAME>": ...}``).
OPTION_NAMES = frozenset(
    {
        "issuer",
        "audience",
        "jwks_url",
        "keys",
        "algorithms",
        "typ",
        "leeway",
        "required_claims",
        "realm",
        "cache_size",
        "revocation",
        "client_id",
        "client_secret",
        "introspection_endpoint",
        "revocation_cache_seconds",
        "redis_prefix",
        "allow_http",
        "http_timeout",
        "clock",
    }
)


def options_from_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Guard options from a settings mapping (``ISSUER`` -> ``issuer``); a misspelt
    setting is an error, not a silently ignored line."""
    options = {}
    for name, value in config.items():
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        option = name[len(prefix) :].lower()
        if option not in OPTION_NAMES:
            raise InvalidOptionError(f"Unknown jwtkit setting {name!r}")
        options[option] = value
    return options
