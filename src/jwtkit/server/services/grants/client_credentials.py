"""The client credentials grant (RFC 6749 §4.4): a confidential client's own token."""

from __future__ import annotations

from ...db.models import Client
from ...errors import UnauthorizedClientError
from ..tokens import IssuedTokens, TokenService
from . import TokenRequest

__all__ = ["ClientCredentialsGrant"]


class ClientCredentialsGrant:
    grant_type = "client_credentials"

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    async def handle(self, request: TokenRequest, client: Client) -> IssuedTokens:
        if client.secret_hash is None:
            raise UnauthorizedClientError("Only a confidential client may use client_credentials")
        return await self._tokens.client_token(
            client, requested_scope=request.get("scope"), audience=request.get("audience")
        )
