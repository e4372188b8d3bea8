"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection."""

from __future__ import annotations

from ...db.models import Client
from ...errors import InvalidRequestError
from ..tokens import IssuedTokens, TokenService
from . import TokenRequest

__all__ = ["RefreshTokenGrant"]


class RefreshTokenGrant:
    grant_type = "refresh_token"

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    async def handle(self, request: TokenRequest, client: Client) -> IssuedTokens:
        refresh_token = request.get("refresh_token")
        if refresh_token is None:
            raise InvalidRequestError("The refresh_token grant needs refresh_token")
        return await self._tokens.refresh(
            refresh_token, client, requested_scope=request.get("scope"), ip=request.ip
        )
