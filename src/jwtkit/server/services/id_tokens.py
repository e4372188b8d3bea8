"""OpenID Connect: the ID token and the claims each scope releases about a user.

The ID token (OIDC Core §2) is signed RS256 by its own key ring (published in the same JWKS):
RS256 is the algorithm every relying party must support. Which user claims a client sees is
decided in one place, :func:`user_claims`, for both the ID token's holder (through userinfo)
and the userinfo endpoint.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from ... import encode
from ..db.models import User
from ..errors import InsufficientScopeError
from ..settings import Settings
from .keys import SigningKeys
from .scopes import IDENTITY_SCOPES, parse_scopes

__all__ = ["ID_TOKEN_CLAIMS", "IdTokens", "released_user_claims", "user_claims"]


#: Every claim an ID token or the userinfo endpoint may carry (discovery lists them).
ID_TOKEN_CLAIMS = (
    "iss",
    "sub",
    "aud",
    "azp",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "sid",
    "preferred_username",
    "name",
    "email",
    "email_verified",
)


def user_claims(user: User, scopes: Iterable[str]) -> dict[str, Any]:
    """``sub`` and the standard claims (OIDC Core §5.4) the granted scopes release."""
    granted = set(scopes)
    claims: dict[str, Any] = {"sub": user.id}
    # A user who registered with an email alone has it as their username: "profile" must
    # not release what only "email" may.
    if "profile" in granted and (user.email is None or user.username != user.email):
        claims["preferred_username"] = user.username
        claims["name"] = user.username
    if "email" in granted and user.email is not None:
        claims["email"] = user.email
        claims["email_verified"] = False  # jwtkit does not verify addresses
    return claims


def released_user_claims(user: User, scope: str, *, first_party: bool) -> dict[str, Any]:
    """The userinfo answer for a token with ``scope``: what :func:`user_claims` releases for
    it, and ``scope``. A third party's token needs ``openid`` (OIDC Core §5.3) and sees only
    what the user consented to; a first-party client (which never asks for consent) sees the
    whole account, under the older name ``username`` too."""
    scopes = parse_scopes(scope)
    if not first_party and "openid" not in scopes:
        raise InsufficientScopeError("The openid scope is required", scope="openid")
    released = user_claims(user, IDENTITY_SCOPES if first_party else scopes)
    if "preferred_username" in released:
        released["username"] = released["preferred_username"]
    return {**released, "scope": scope}


def _left_half_hash(value: str) -> str:
    """``at_hash`` (OIDC Core §3.1.3.6): the left half of SHA-256 of the token, base64url."""
    half = hashlib.sha256(value.encode("ascii")).digest()[:16]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


class IdTokens:
    def __init__(self, keys: SigningKeys, settings: Settings, clock: Callable[[], float]) -> None:
        self._keys = keys
        self._settings = settings
        self._clock = clock

    async def issue(
        self,
        user: User,
        *,
        client_id: str,
        scope: str,
        auth_time: float,
        nonce: str | None,
        access_token: str,
        browser_session_id: str | None,
    ) -> str:
        now = int(self._clock())
        claims: dict[str, Any] = {
            **user_claims(user, scope.split()),
            "iss": self._settings.issuer_url,
            "aud": client_id,
            "azp": client_id,
            "iat": now,
            "exp": now + self._settings.access_token_lifetime,
            "auth_time": int(auth_time),
            "at_hash": _left_half_hash(access_token),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if browser_session_id is not None:
            claims["sid"] = browser_session_id
        key = await self._keys.id_token_key()
        return encode(claims, key, algorithm=key.alg, headers={"typ": "JWT"})
