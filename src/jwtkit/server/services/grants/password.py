"""The resource owner password grant (RFC 6749 §4.3), for first-party clients.

RFC 9700 §2.4 says third parties must not use it: only clients registered with the grant
(and the built-in first-party client while ``JWTKIT_PASSWORD_GRANT`` is on) get here.
"""

from __future__ import annotations

from ...db.models import Client
from ...errors import InvalidRequestError
from ..tokens import IssuedTokens, TokenService
from ..users import UserService
from . import TokenRequest

__all__ = ["PasswordGrant"]


class PasswordGrant:
    grant_type = "password"

    def __init__(self, users: UserService, tokens: TokenService) -> None:
        self._users = users
        self._tokens = tokens

    async def handle(self, request: TokenRequest, client: Client) -> IssuedTokens:
        username = request.get("username")
        password = request.parameters.get("password")
        if username is None or password is None:
            raise InvalidRequestError("The password grant needs username and password")
        user = await self._users.authenticate(
            username, password, ip=request.ip, client_id=client.id
        )
        return await self._tokens.start_session(
            user,
            client,
            requested_scope=request.get("scope"),
            audience=request.get("audience"),
            ip=request.ip,
        )
