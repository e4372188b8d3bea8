"""Any ASGI app (Starlette, FastAPI, Litestar, ...): ``JWTAuthMiddleware``, pure ASGI.

    app = Starlette(routes=..., middleware=[
        Middleware(JWTAuthMiddleware, issuer="https://auth.example.com", audience="orders-api"),
    ])

It follows Starlette's authentication conventions without importing Starlette: a request
with a valid token gets ``request.user`` (a :class:`TokenUser`: ``is_authenticated``,
``display_name``, ``identity``, ``claims``) and ``request.auth`` (``.scopes``, ``.claims``),
so ``starlette.authentication.requires("orders:read")`` works as usual; a request without
a token is anonymous (or refused with 401 when ``allow_anonymous=False``); a malformed or
invalid token is refused right here with the RFC 6750 answer of
:mod:`jwtkit.integrations._bearer`. Starlette's ``requires`` answers a missing scope with
its own bare 403; :func:`require_token` answers it as RFC 6750 says (403,
``error="insufficient_scope"``, the scopes needed) and a missing token with 401. Key
fetches are async; the CPU-only check runs inline.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, TypeVar

from ._bearer import (
    BearerError,
    BearerGuard,
    TokenUser,
    asgi_authorization,
    missing_token,
    normalise_scopes,
)

__all__ = [
    "AnonymousUser",
    "BearerErrorResponse",
    "JWTAuthMiddleware",
    "TokenCredentials",
    "TokenUser",
    "require_token",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

#: WebSocket close code for a refused handshake (RFC 6455 §7.4.1: policy violation).
WS_POLICY_VIOLATION = 1008


class TokenCredentials:
    """``request.auth``: the token's ``scopes`` (a sorted list, like Starlette's
    ``AuthCredentials``) and ``claims`` (None for an anonymous request)."""

    def __init__(
        self, scopes: Iterable[str] = (), claims: dict[str, Any] | None = None, realm: str = ""
    ) -> None:
        self.scopes = sorted(scopes)
        self.claims = claims
        self.realm = realm


class AnonymousUser:
    """``request.user`` when the request carried no token."""

    is_authenticated = False
    is_anonymous = True
    display_name = ""
    identity = ""
    claims = None
    scopes: frozenset[str] = frozenset()


ANONYMOUS = AnonymousUser()


class BearerErrorResponse:
    """An RFC 6750 error as an ASGI app (Starlette endpoints may return one as a response)."""

    def __init__(self, error: BearerError, realm: str) -> None:
        self.error = error
        self.realm = realm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server refuse the handshake (HTTP 403).
            await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION})
            return
        body = self.error.body()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            *(
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in self.error.headers(self.realm).items()
            ),
        ]
        await send({"type": "http.response.start", "status": self.error.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _is_preflight(scope: Scope, headers: Sequence[tuple[bytes, bytes]]) -> bool:
    # A CORS preflight never carries credentials; refusing it would break every browser client.
    return scope.get("method") == "OPTIONS" and any(
        name == b"access-control-request-method" for name, _ in headers
    )


class JWTAuthMiddleware:
    """Authenticate every HTTP and WebSocket request by its bearer token.

    ``issuer`` and ``audience`` are required; the other keyword options are those of
    :class:`jwtkit.integrations.fastapi.JWTBearer` (``jwks_url``, ``keys``, ``algorithms``,
    ``typ``, ``leeway``, ``realm``, ``cache_size``, ``revocation``, ...).
    ``allow_anonymous=False`` refuses requests without a token (CORS preflights excepted).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        issuer: str,
        audience: str | Sequence[str],
        allow_anonymous: bool = True,
        **options: Any,
    ) -> None:
        self.app = app
        self.allow_anonymous = allow_anonymous
        self.guard = BearerGuard(issuer=issuer, audience=audience, asynchronous=True, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        guard = self.guard
        headers = scope.get("headers") or ()
        authorization = asgi_authorization(headers)
        try:
            claims = await guard.authenticate_async(authorization, scope.get("query_string", b""))
            if claims is None and not self.allow_anonymous and not _is_preflight(scope, headers):
                raise missing_token()
        except BearerError as error:
            await BearerErrorResponse(error, guard.realm)(scope, receive, send)
            return
        if claims is None:
            scope["user"] = ANONYMOUS
            scope["auth"] = TokenCredentials((), None, guard.realm)
        else:
            user = guard.user(claims)
            scope["user"] = user
            scope["auth"] = TokenCredentials(user.scopes, claims, guard.realm)
        await self.app(scope, receive, send)


def _request_of(arguments: Iterable[Any]) -> Any:
    for argument in arguments:
        scope = getattr(argument, "scope", None)
        if isinstance(scope, MutableMapping) and "type" in scope:
            return argument
    raise TypeError("require_token decorates an endpoint that takes the request")


def _refusal(request: Any, required: tuple[str, ...]) -> BearerErrorResponse | None:
    auth = request.scope.get("auth")
    if not isinstance(auth, TokenCredentials):
        raise RuntimeError("require_token needs JWTAuthMiddleware in front of the app")
    try:
        BearerGuard.require(auth.claims, required)
    except BearerError as error:
        return BearerErrorResponse(error, auth.realm)
    return None


def require_token(scopes: Any = None) -> Any:
    """Decorate a Starlette endpoint (function or ``HTTPEndpoint`` method): without a token
    it answers 401, without every one of ``scopes`` (a list, or one space-separated string)
    403, both as RFC 6750 says. ``@require_token`` alone needs a token and no scope."""
    if callable(scopes):
        return require_token()(scopes)
    required = normalise_scopes(scopes)

    def decorate(endpoint: Endpoint) -> Endpoint:
        if inspect.iscoroutinefunction(endpoint):

            @functools.wraps(endpoint)
            async def guarded_async(*args: Any, **kwargs: Any) -> Any:
                refusal = _refusal(_request_of((*args, *kwargs.values())), required)
                return refusal if refusal is not None else await endpoint(*args, **kwargs)

            return guarded_async  # type: ignore[return-value]

        @functools.wraps(endpoint)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = _refusal(_request_of((*args, *kwargs.values())), required)
            return refusal if refusal is not None else endpoint(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
