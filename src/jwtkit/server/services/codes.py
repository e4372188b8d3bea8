"""Authorization codes (RFC 6749 §4.1.2, RFC 7636): issued after sign-in, spent once.

A code is 256 random bits, stored as its SHA-256, alive ``authorization_code_lifetime``
seconds (at most 60). Spending it is one conditional ``UPDATE ... RETURNING`` that also
requires the same client, the same redirect URI and a ``code_verifier`` whose S256 is the
stored challenge, so of two concurrent exchanges exactly one wins, and a code stolen from
the redirect is useless without the verifier. The spend records the refresh family the code
buys, in the same transaction that creates it: presenting the code again revokes that family
and its access tokens (RFC 6749 §4.1.2: "SHOULD revoke ... all tokens previously issued").
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import uuid
from collections.abc import Callable

from sqlalchemy import update

from ..db import Database
from ..db.models import AuthorizationCode, Client, RefreshFamily, User
from ..errors import InvalidGrantError, InvalidRequestError
from ..security.secrets import digest, new_token
from ..settings import Settings
from .audit import AuditLog
from .id_tokens import IdTokens
from .keys import SigningKeys
from .tokens import IssuedTokens, TokenService

__all__ = ["AuthorizationCodes", "s256_challenge"]

#: RFC 7636 §4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_MAX_CODE_LENGTH = 128
_REFUSED = (
    "The authorization code is invalid or expired, or was issued to another client, "
    "redirect URI or code_verifier"
)


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    hashed = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode("ascii")


class AuthorizationCodes:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        tokens: TokenService,
        keys: SigningKeys,
        id_tokens: IdTokens,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._database = database
        self._settings = settings
        self._tokens = tokens
        self._keys = keys
        self._id_tokens = id_tokens
        self._audit = audit
        self._clock = clock

    async def issue(
        self,
        *,
        client_id: str,
        user_id: str,
        browser_session_id: str | None,
        redirect_uri: str,
        code_challenge: str,
        scope: str,
        nonce: str | None,
        auth_time: float,
    ) -> str:
        code = new_token()
        now = self._clock()
        async with self._database.transaction() as session:
            session.add(
                AuthorizationCode(
                    code_hash=digest(code),
                    client_id=client_id,
                    user_id=user_id,
                    browser_session_id=browser_session_id,
                    redirect_uri=redirect_uri,
                    code_challenge=code_challenge,
                    scope=scope,
                    nonce=nonce,
                    auth_time=auth_time,
                    created_at=now,
                    expires_at=now + self._settings.authorization_code_lifetime,
                )
            )
        return code

    async def exchange(
        self,
        code: str,
        client: Client,
        *,
        redirect_uri: str | None,
        code_verifier: str | None,
        ip: str | None,
    ) -> IssuedTokens:
        """Spend a code for tokens (and an ID token when ``openid`` was granted)."""
        if code_verifier is None:
            raise InvalidRequestError("PKCE is required: send code_verifier")
        if redirect_uri is None:
            raise InvalidRequestError("redirect_uri is required")
        if len(code) > _MAX_CODE_LENGTH or not _VERIFIER.fullmatch(code_verifier):
            raise InvalidGrantError(_REFUSED)
        code_hash = digest(code)
        family_id = str(uuid.uuid4())
        now = self._clock()
        key = await self._keys.signing_key()  # before the transaction (it may read the ring)
        async with self._database.transaction() as session:
            spent = (
                await session.execute(
                    update(AuthorizationCode)
                    .where(
                        AuthorizationCode.code_hash == code_hash,
                        AuthorizationCode.spent_at.is_(None),
                        AuthorizationCode.expires_at > now,
                        AuthorizationCode.client_id == client.id,
                        AuthorizationCode.redirect_uri == redirect_uri,
                        AuthorizationCode.code_challenge == s256_challenge(code_verifier),
                    )
                    .values(spent_at=now, family_id=family_id)
                    .returning(
                        AuthorizationCode.user_id,
                        AuthorizationCode.scope,
                        AuthorizationCode.nonce,
                        AuthorizationCode.auth_time,
                        AuthorizationCode.browser_session_id,
                    )
                )
            ).first()
            if spent is not None:
                user = await session.get(User, spent.user_id)
                # A password change after the sign-in ends what it signed in (the browser
                # session and this code with it).
                if (
                    user is None
                    or user.disabled_at is not None
                    or user.password_changed_at > spent.auth_time
                ):
                    raise InvalidGrantError(_REFUSED)
                issued = await self._tokens.open_family(
                    session,
                    user,
                    client,
                    key=key,
                    scope=spent.scope,
                    family_id=family_id,
                    ip=ip,
                    auth_time=spent.auth_time,
                    browser_session_id=spent.browser_session_id,
                )
        if spent is None:
            await self._refused(code_hash, ip)
            raise InvalidGrantError(_REFUSED)
        if "openid" not in spent.scope.split():
            return issued
        assert user is not None
        # Signed after the commit: the RSA ring may be created now, which must not wait
        # behind this transaction's write lock.
        id_token = await self._id_tokens.issue(
            user,
            client_id=client.id,
            scope=spent.scope,
            auth_time=spent.auth_time,
            nonce=spent.nonce,
            access_token=issued.access_token,
            browser_session_id=spent.browser_session_id,
        )
        return dataclasses.replace(issued, id_token=id_token)

    async def _refused(self, code_hash: str, ip: str | None) -> None:
        """A code that did not spend: if it was spent before, this is a replay, and the
        tokens it bought are revoked (whoever holds them, one of the two is an attacker)."""
        async with self._database.transaction() as session:
            row = await session.get(AuthorizationCode, code_hash)
            if row is None or row.spent_at is None:
                return
            if row.family_id is not None:
                await self._tokens.revoke_families(
                    session, RefreshFamily.id == row.family_id, reason="authorization_code_reuse"
                )
            await self._audit.record(
                session,
                "authorization_code_reuse",
                user_id=row.user_id,
                client_id=row.client_id,
                ip=ip,
                family=row.family_id,
            )
        raise InvalidGrantError(
            "The authorization code was already used; the tokens issued for it are revoked"
        )
