"""The authorization code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636), for browser sign-in."""

from __future__ import annotations

from ...db.models import Client
from ...errors import InvalidRequestError
from ..codes import AuthorizationCodes
from ..tokens import IssuedTokens
from . import TokenRequest

__all__ = ["AuthorizationCodeGrant"]


class AuthorizationCodeGrant:
    grant_type = "authorization_code"

    def __init__(self, codes: AuthorizationCodes) -> None:
        self._codes = codes

    async def handle(self, request: TokenRequest, client: Client) -> IssuedTokens:
        code = request.get("code")
        if code is None:
            raise InvalidRequestError("The authorization_code grant needs code")
        return await self._codes.exchange(
            code,
            client,
            redirect_uri=request.get("redirect_uri"),
            code_verifier=request.get("code_verifier"),
            ip=request.ip,
        )
