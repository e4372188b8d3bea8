"""FastAPI: ``JWTBearer``, a security dependency that returns the verified claims.

    auth = JWTBearer(issuer="https://auth.example.com", audience="orders-api")

    @app.get("/orders")
    async def orders(claims: dict = Security(auth, scopes=["orders:read"])): ...

``Depends(auth)`` asks for a valid token and no scope. The scheme appears in the OpenAPI
document (and so in /docs); with ``token_url`` it is an OAuth2 password flow, so the
Authorize button there gets a token from a jwtkit server. Errors are FastAPI
``HTTPException``\\ s carrying the RFC 6750 status, ``WWW-Authenticate`` header and
``detail`` that :mod:`jwtkit.integrations._bearer` decides; key fetches are async, the
signature check runs inline (and is skipped for a token already verified, see
``cache_size``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from fastapi.exceptions import HTTPException
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.openapi.models import OAuth2 as OAuth2Model
from fastapi.openapi.models import OAuthFlowPassword, OAuthFlows
from fastapi.requests import HTTPConnection
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase

from ._bearer import BearerError, BearerGuard, asgi_authorization, normalise_scopes

__all__ = ["JWTBearer"]


@lru_cache(maxsize=256)
def _route_scopes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    # Routes declare a handful of scope lists; check each once, not on every request.
    return normalise_scopes(scopes)


class JWTBearer(SecurityBase):
    """Verify the request's bearer token; the dependency's value is the claims (a dict).

    ``issuer`` and ``audience`` are required; ``jwks_url`` skips discovery, ``keys`` (a
    :class:`jwtkit.Key`, :class:`jwtkit.KeySet` or JWKS dict) works offline; ``algorithms``
    default to what the keys allow. ``token_url`` (and ``scopes``, name → description)
    describe the password flow in OpenAPI. Other keyword options are the guard's:
    ``typ``, ``leeway``, ``required_claims``, ``realm``, ``cache_size``, ``revocation``,
    ``client_id``, ``client_secret``, ``introspection_endpoint``,
    ``revocation_cache_seconds``, ``redis_prefix``, ``allow_http``, ``http_timeout``,
    ``clock``.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str | Sequence[str],
        jwks_url: str | None = None,
        keys: Any = None,
        algorithms: Iterable[str] | None = None,
        token_url: str | None = None,
        scopes: Mapping[str, str] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        **options: Any,
    ) -> None:
        self.guard = BearerGuard(
            issuer=issuer,
            audience=audience,
            jwks_url=jwks_url,
            keys=keys,
            algorithms=algorithms,
            asynchronous=True,
            **options,
        )
        if token_url is not None:
            self.model = OAuth2Model(
                flows=OAuthFlows(
                    password=OAuthFlowPassword(tokenUrl=token_url, scopes=dict(scopes or {}))
                ),
                description=description,
            )
        else:
            self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.scheme_name = scheme_name or type(self).__name__

    async def __call__(
        self, connection: HTTPConnection, security_scopes: SecurityScopes
    ) -> dict[str, Any]:
        guard = self.guard
        try:
            required = _route_scopes(tuple(security_scopes.scopes))
            claims = await guard.authenticate_async(
                asgi_authorization(connection.scope["headers"]), connection.scope["query_string"]
            )
            guard.require(claims, required)
        except BearerError as error:
            raise HTTPException(
                error.status, detail=error.detail, headers=error.headers(guard.realm)
            ) from None
        assert claims is not None  # require() raised otherwise
        return claims
