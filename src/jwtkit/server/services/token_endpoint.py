"""The token endpoint's decision (RFC 6749 §3.2): rate limit, client, grant, handler.

Routes hand over the parsed form and the client's credentials; this picks the handler
registered for the grant type, after checking that the client may use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import UnauthorizedClientError, UnsupportedGrantTypeError
from ..security.addresses import rate_limit_key
from ..security.ratelimit import RateLimiter, parse_limits
from .clients import ClientCredentials, ClientService, client_grant_types
from .grants import GrantHandler, TokenRequest
from .tokens import IssuedTokens

__all__ = ["TokenEndpoint"]


class TokenEndpoint:
    def __init__(
        self,
        clients: ClientService,
        handlers: Iterable[GrantHandler],
        limiter: RateLimiter,
        *,
        per_ip_limit: str,
    ) -> None:
        self._clients = clients
        self._handlers = {handler.grant_type: handler for handler in handlers}
        self._limiter = limiter
        self._per_ip = parse_limits(per_ip_limit)

    @property
    def grant_types(self) -> list[str]:
        return sorted(self._handlers)

    async def token(self, request: TokenRequest, credentials: ClientCredentials) -> IssuedTokens:
        if request.grant_type != "password":  # logins are counted by the login throttle
            await self._limiter.hit(self._per_ip, "token-ip", rate_limit_key(request.ip))
        handler = self._handlers.get(request.grant_type)
        if handler is None:
            raise UnsupportedGrantTypeError("This server does not support that grant type")
        client = await self._clients.authenticate(credentials)
        if request.grant_type not in client_grant_types(client):
            raise UnauthorizedClientError("This client may not use that grant type")
        return await handler.handle(request, client)
