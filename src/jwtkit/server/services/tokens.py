"""Tokens: access tokens (RFC 9068 JWTs), rotating refresh tokens, revocation, introspection.

A login starts a *refresh family*. Each refresh token is 256 random bits stored as its
SHA-256; spending one is a single conditional ``UPDATE ... RETURNING`` (unspent, unexpired,
family not revoked), so of N concurrent uses exactly one gets a row back and a successor.
Presenting a spent token is reuse: the whole family is revoked (RFC 9700 §4.14), unless the
same client repeats the spend within the configured grace period. A successor is derived
from the spent token with HMAC under a key only the server holds, so a repeat within the
grace period gets the *same* successor back although no token is ever stored in the clear.

Every access token's ``jti`` gets a row; revoking marks it, and that marking is the denylist
introspection and /auth/userinfo consult.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ... import Key, encode
from ..._denylist_keys import REVOKED_KEY_OUTLIVES_TOKEN
from ...errors import InvalidAlgorithmError, JWTKitError, KeyNotFoundError
from ..db import Database
from ..db.models import AccessToken, Client, RefreshFamily, RefreshToken, User
from ..errors import (
    InvalidBearerTokenError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from ..security.secrets import MasterKey, digest, new_token
from ..settings import Settings
from .audit import AuditLog
from .denylist import Denylist, Revoked
from .keys import SigningKeys
from .scopes import ADMIN_SCOPE, IDENTITY_SCOPES, grant_scope, join_scopes, parse_scopes
from .token_statements import (
    HOLD_USER,
    INSERT_ACCESS_TOKEN,
    INSERT_FAMILY,
    INSERT_REFRESH_TOKEN,
    LOCK_SESSION,
    SPEND,
)

__all__ = ["IssuedTokens", "TokenService", "user_scopes"]

#: Longest token the service looks at; anything longer is not one of ours.
_MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None

    def response(self) -> dict[str, Any]:
        """The RFC 6749 §5.1 response body."""
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        if self.id_token is not None:
            body["id_token"] = self.id_token
        return body


#: A refresh of a session past ``session_lifetime``.
_SESSION_OVER = "The session has ended; log in again"


@dataclass(frozen=True)
class _Spent:
    """What a refresh reads of the spent token's session and user."""

    id: str
    scope: str
    audience: str
    started_at: float  # the family's created_at: when the session began
    user_id: str
    user_scopes: str
    is_admin: bool


def _audience_for(client: Client, requested: str | None) -> str:
    allowed = client.audiences.split()
    if requested is None or requested == "":
        return allowed[0]
    if requested not in allowed:
        raise InvalidRequestError("This client may not request tokens for that audience")
    return requested


class TokenService:
    def __init__(
        self,
        database: Database,
        keys: SigningKeys,
        settings: Settings,
        master_key: MasterKey,
        denylist: Denylist,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._database = database
        self._keys = keys
        self._settings = settings
        self._successor_key = master_key.derive("refresh token successor")
        self._denylist = denylist
        self._audit = audit
        self._clock = clock

    # -- issuing -----------------------------------------------------------------------------

    async def start_session(
        self,
        user: User,
        client: Client,
        *,
        requested_scope: str | None,
        audience: str | None = None,
        ip: str | None = None,
        auth_time: float | None = None,
    ) -> IssuedTokens:
        """A login: a new refresh family, its first refresh token and an access token."""
        scope = grant_scope(requested_scope, user_scopes(user), _client_scopes(client))
        key = await self._signing_key()
        async with self._database.transaction() as session:
            return await self.open_family(
                session,
                user,
                client,
                key=key,
                scope=scope,
                family_id=str(uuid.uuid4()),
                audience=audience,
                ip=ip,
                auth_time=auth_time,
            )

    async def open_family(
        self,
        session: AsyncSession,
        user: User,
        client: Client,
        *,
        key: Key,
        scope: str,
        family_id: str,
        audience: str | None = None,
        ip: str | None = None,
        auth_time: float | None = None,
        browser_session_id: str | None = None,
    ) -> IssuedTokens:
        """Inside the caller's transaction: a refresh family with an already-granted scope,
        its first refresh token and an access token signed with ``key`` (fetched before the
        transaction, see :meth:`_signing_key`). The password grant and the code exchange
        both start sessions here."""
        await self._hold_unchanged(session, user)
        audience = _audience_for(client, audience)
        now = self._clock()
        refresh_token = new_token()
        await session.execute(
            INSERT_FAMILY,
            {
                "id": family_id,
                "user_id": user.id,
                "client_id": client.id,
                "scope": scope,
                "audience": audience,
                "auth_time": auth_time if auth_time is not None else now,
                "created_at": now,
                "browser_session_id": browser_session_id,
            },
        )
        # The family exists either way (logout, revocation and a replayed code end it through
        # its access tokens); a client that may not refresh gets no refresh token to leak.
        from .clients import client_grant_types  # clients builds on this module

        refreshable = "refresh_token" in client_grant_types(client)
        if refreshable:
            await self._insert_refresh(session, refresh_token, family_id, now, now)
        access_token = await self._access_token(
            session,
            key=key,
            subject=user.id,
            user_id=user.id,
            client=client,
            scope=scope,
            audience=audience,
            family_id=family_id,
            now=now,
        )
        await self._audit.record(
            session, "login", user_id=user.id, client_id=client.id, ip=ip, family=family_id
        )
        return IssuedTokens(
            access_token,
            self._settings.access_token_lifetime,
            scope,
            refresh_token if refreshable else None,
        )

    @staticmethod
    async def _hold_unchanged(session: AsyncSession, user: User) -> None:
        """Lock the user's row until this session's transaction ends, and refuse if the
        account changed since ``user`` was read (its password, or disabled, or deleted).

        The password was checked before this transaction: a password change or a disable
        committed in between revoked every family that existed then, not this one, which
        would outlive it. Under the lock (PostgreSQL ``FOR SHARE``; SQLite's write lock
        serializes anyway) the two orders are both safe: the change waits for this family
        to exist and revokes it, or this sees the change."""
        # The statements below are Core: the ORM's pending rows of the caller (a code
        # exchange's) go first, as the session's rows refer to them.
        await session.flush()
        current = (await session.execute(HOLD_USER, {"user_id": user.id})).first()
        if (
            current is None
            or current.disabled_at is not None
            or current.password_hash != user.password_hash
        ):
            raise InvalidGrantError("The account changed while signing in; sign in again")

    async def client_token(
        self, client: Client, *, requested_scope: str | None, audience: str | None = None
    ) -> IssuedTokens:
        """client_credentials: an access token for the client itself, no refresh token."""
        scope = grant_scope(requested_scope, _client_scopes(client) or [])
        audience = _audience_for(client, audience)
        key = await self._signing_key()
        async with self._database.transaction() as session:
            access_token = await self._access_token(
                session,
                key=key,
                subject=client.id,
                user_id=None,
                client=client,
                scope=scope,
                audience=audience,
                family_id=None,
                now=self._clock(),
            )
        return IssuedTokens(access_token, self._settings.access_token_lifetime, scope)

    async def refresh(
        self, presented: str, client: Client, *, requested_scope: str | None, ip: str | None
    ) -> IssuedTokens:
        """Spend a refresh token for a successor and a new access token (RFC 6749 §6)."""
        if not presented or len(presented) > _MAX_TOKEN_LENGTH:
            raise InvalidGrantError("The refresh token is invalid")
        token_hash = digest(presented)
        key = await self._signing_key()
        now = self._clock()
        async with self._database.transaction() as session:
            # Of N concurrent spends exactly one gets a row back.
            spent_in = await session.scalar(
                SPEND, {"presented_hash": token_hash, "now": now, "spender": client.id}
            )
            if spent_in is not None:
                spent = await self._locked_session_of(session, spent_in)
                if spent is None:
                    raise InvalidGrantError("The refresh token is invalid")
                if self._session_over(spent.started_at, now):  # the spend is rolled back
                    raise InvalidGrantError(_SESSION_OVER)
                successor = self._successor(presented)
                await self._insert_refresh(session, successor, spent.id, now, spent.started_at)
                return await self._with_successor(
                    session,
                    successor,
                    spent,
                    client=client,
                    requested_scope=requested_scope,
                    now=now,
                    key=key,
                )
        return await self._refused_refresh(
            presented, token_hash, client, requested_scope, ip, now, key
        )

    @staticmethod
    async def _locked_session_of(session: AsyncSession, family_id: str) -> _Spent | None:
        """The live family ``family_id`` and its active user (None if either is gone, the
        family revoked or the user disabled), read as columns (this is the server's hottest
        path) under a share lock on the user's row and then the family's, in one statement.

        A logout, password change, disable or reuse revocation running meanwhile either
        waits for this transaction and then revokes the access token it writes, or has
        committed and is seen here (the family revoked, the user disabled). Without the
        locks, on PostgreSQL, it revoked the rows it could see and missed this one, which
        then lived until it expired. Revocations lock the user before the family, or the
        family alone: the same order, so they cannot deadlock with this. (SQLite's write
        lock serializes them anyway.)"""
        row = (await session.execute(LOCK_SESSION, {"family_id": family_id})).first()
        if row is None or row.disabled_at is not None:
            return None
        return _Spent(
            row.family_id,
            row.scope,
            row.audience,
            row.created_at,
            row.user_id,
            row.scopes,
            row.is_admin,
        )

    async def _refused_refresh(
        self,
        presented: str,
        token_hash: str,
        client: Client,
        requested_scope: str | None,
        ip: str | None,
        now: float,
        key: Key,
    ) -> IssuedTokens:
        """Why the spend found no row: unknown, expired, revoked — or spent, which is reuse."""
        async with self._database.transaction() as session:
            token = await session.get(RefreshToken, token_hash)
            family = await session.get(RefreshFamily, token.family_id) if token else None
            if token is None or family is None or family.client_id != client.id:
                raise InvalidGrantError("The refresh token is invalid")
            if family.revoked_at is not None or token.spent_at is None:
                raise InvalidGrantError("The refresh token is invalid or expired")
            if self._session_over(family.created_at, now):  # no grace repeat, no reuse alarm
                raise InvalidGrantError(_SESSION_OVER)
            if self._within_grace(token, client, now):
                successor = self._successor(presented)
                following = await session.get(RefreshToken, digest(successor))
                if following is not None and following.spent_at is None:
                    # The same locks as a first spend: a repeat racing a logout or a disable
                    # must not mint an access token the revocation cannot see.
                    live = await self._locked_session_of(session, family.id)
                    if live is not None:
                        return await self._with_successor(
                            session,
                            successor,
                            live,
                            client=client,
                            requested_scope=requested_scope,
                            now=now,
                            key=key,
                        )
            await self._revoke_families(
                session, RefreshFamily.id == family.id, reason="refresh_token_reuse", now=now
            )
            await self._audit.record(
                session,
                "refresh_token_reuse",
                user_id=family.user_id,
                client_id=client.id,
                ip=ip,
                family=family.id,
            )
        raise InvalidGrantError("The refresh token was already used; the session has been ended")

    async def _with_successor(
        self,
        session: AsyncSession,
        successor: str,
        spent: _Spent,
        *,
        client: Client,
        requested_scope: str | None,
        now: float,
        key: Key,
    ) -> IssuedTokens:
        """A refresh's answer: ``successor`` and a new access token for what the session's
        grant still allows (its user's and client's scopes now, narrowed on request)."""
        user_allowed = allowed_scopes(spent.user_scopes, spent.is_admin)
        scope = self._narrowed(_still_allowed(spent.scope, user_allowed, client), requested_scope)
        access_token = await self._access_token(
            session,
            key=key,
            subject=spent.user_id,
            user_id=spent.user_id,
            client=client,
            scope=scope,
            audience=spent.audience,
            family_id=spent.id,
            now=now,
        )
        return IssuedTokens(access_token, self._settings.access_token_lifetime, scope, successor)

    def _within_grace(self, token: RefreshToken, client: Client, now: float) -> bool:
        grace = self._settings.refresh_token_reuse_grace
        return (
            grace > 0
            and token.spent_at is not None
            and token.spent_by == client.id
            and now - token.spent_at <= grace
        )

    @staticmethod
    def _narrowed(granted: str, requested: str | None) -> str:
        """RFC 6749 §6: a refresh may ask for less than the original grant, never more."""
        if requested is None or requested == "":
            return granted
        try:
            return grant_scope(requested, parse_scopes(granted))
        except InvalidScopeError:
            raise InvalidScopeError(
                "A refresh cannot widen the scope of the original grant"
            ) from None

    def _successor(self, presented: str) -> str:
        mac = hmac.new(
            self._successor_key, presented.encode("utf-8", "surrogatepass"), hashlib.sha256
        )
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def _session_over(self, started_at: float, now: float) -> bool:
        """Whether the session that began at ``started_at`` has reached
        ``session_lifetime``: checked on every refresh (so lowering the setting takes effect
        at once), besides capping each new refresh token's expiry at that moment."""
        lifetime = self._settings.session_lifetime
        return bool(lifetime) and now >= started_at + lifetime

    async def _insert_refresh(
        self, session: AsyncSession, token: str, family_id: str, now: float, started_at: float
    ) -> None:
        """Store refresh token ``token`` of the family its login started at ``started_at``:
        it lives ``refresh_token_lifetime`` unused, and never past the session's end
        (``session_lifetime``), so the spend's own expiry check ends the session."""
        settings = self._settings
        expires_at = now + settings.refresh_token_lifetime
        if settings.session_lifetime:
            expires_at = min(expires_at, started_at + settings.session_lifetime)
        # A plain INSERT rather than ``session.add``: the ORM's unit of work (identity map,
        # flush ordering) costs more than the statement on the hottest path.
        await session.execute(
            INSERT_REFRESH_TOKEN,
            {
                "token_hash": digest(token),
                "family_id": family_id,
                "created_at": now,
                "expires_at": expires_at,
            },
        )

    async def _access_token(
        self,
        session: AsyncSession,
        *,
        subject: str,
        user_id: str | None,
        client: Client,
        scope: str,
        audience: str,
        family_id: str | None,
        now: float,
        key: Key,
    ) -> str:
        issued_at = int(now)
        expires_at = issued_at + self._settings.access_token_lifetime
        jti = secrets.token_urlsafe(16)
        claims = {
            "iss": self._settings.issuer_url,
            "sub": subject,
            "aud": audience,
            "exp": expires_at,
            "iat": issued_at,
            "jti": jti,
            "client_id": client.id,
            "scope": scope,
        }
        token = encode(claims, key, algorithm=key.alg, headers={"typ": "at+jwt"})
        await session.execute(
            INSERT_ACCESS_TOKEN,
            {
                "jti": jti,
                "user_id": user_id,
                "client_id": client.id,
                "family_id": family_id,
                "expires_at": float(expires_at),
            },
        )
        return token

    async def _signing_key(self) -> Key:
        """The key to sign with, fetched *before* a transaction opens: fetching may read (and
        rotate) the key ring in a transaction of its own, which on SQLite would wait for
        the write lock the caller's transaction holds."""
        return await self._keys.signing_key()

    async def family_of(self, jti: str) -> str | None:
        """The refresh family (session) an access token was issued in, if any."""
        async with self._database.read() as session:
            family_id: str | None = await session.scalar(
                select(AccessToken.family_id).where(AccessToken.jti == jti)
            )
            return family_id

    # -- checking ----------------------------------------------------------------------------

    async def verify_access_token(self, token: str, *, to_revoke: bool = False) -> dict[str, Any]:
        """The claims of a live access token this server issued, or ``invalid_token``.

        ``to_revoke=True`` is for a caller that only revokes the token (logout, RFC 7009):
        the database, the record, says whether it is revoked, whatever Redis holds. A logout
        whose transaction failed after its Redis copy was written left a copy of a revocation
        that never happened; the logout tried again must still be done, not refused."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidBearerTokenError("The access token is invalid")
        try:
            claims = await self._verified_claims(token)
        except JWTKitError:
            raise InvalidBearerTokenError("The access token is invalid or expired") from None
        if await self._denylist.is_revoked(str(claims["jti"]), from_record=to_revoke):
            raise InvalidBearerTokenError("The access token has been revoked")
        return claims

    async def _verified_claims(self, token: str) -> dict[str, Any]:
        verifier = await self._keys.verifier()
        try:
            return verifier.verify(token, now=self._clock())
        except (KeyNotFoundError, InvalidAlgorithmError):
            # Signed with a key another replica made after this one last read the ring?
            if not await self._keys.reload_for_unknown_key():
                raise
        return (await self._keys.verifier()).verify(token, now=self._clock())

    async def introspect(self, token: str, hint: str | None, client: Client) -> dict[str, Any]:
        """RFC 7662: what the server knows of a token; ``{"active": false}`` for anything not
        live. Refresh tokens are only described to the client they were issued to."""
        if hint != "refresh_token":
            try:
                claims = await self.verify_access_token(token)
            except InvalidBearerTokenError:
                pass
            else:
                return {"active": True, "token_type": "Bearer", **_public_claims(claims)}
        details = await self._refresh_token_details(token, client)
        if details is not None:
            return details
        if hint == "refresh_token":
            try:
                claims = await self.verify_access_token(token)
            except InvalidBearerTokenError:
                return {"active": False}
            return {"active": True, "token_type": "Bearer", **_public_claims(claims)}
        return {"active": False}

    async def _refresh_token_details(self, token: str, client: Client) -> dict[str, Any] | None:
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        now = self._clock()
        async with self._database.transaction() as session:
            row = await session.get(RefreshToken, digest(token))
            family = await session.get(RefreshFamily, row.family_id) if row else None
        if (
            row is None
            or family is None
            or family.client_id != client.id
            or family.revoked_at is not None
            or row.spent_at is not None
            or row.expires_at <= now
        ):
            return None
        return {
            "active": True,
            "token_type": "refresh_token",
            "scope": family.scope,
            "client_id": family.client_id,
            "sub": family.user_id,
            "aud": family.audience,
            "iss": self._settings.issuer_url,
            "exp": int(row.expires_at),
            "iat": int(row.created_at),
        }

    # -- revoking ----------------------------------------------------------------------------

    async def revoke(self, token: str, hint: str | None, client: Client, *, ip: str | None) -> None:
        """RFC 7009: end a token the client holds. Unknown or foreign tokens change nothing
        (and the client is not told so)."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return
        now = self._clock()
        async with self._database.transaction() as session:
            row = await session.get(RefreshToken, digest(token))
            family = await session.get(RefreshFamily, row.family_id) if row else None
            if family is not None and family.client_id == client.id:
                await self._revoke_families(
                    session, RefreshFamily.id == family.id, reason="revoked", now=now
                )
                await self._audit.record(
                    session,
                    "token_revoked",
                    user_id=family.user_id,
                    client_id=client.id,
                    ip=ip,
                    family=family.id,
                    kind="refresh_token",
                )
        if family is None:
            try:
                claims = await self.verify_access_token(token, to_revoke=True)
            except InvalidBearerTokenError:
                return
            if claims.get("client_id") != client.id:
                return
            async with self._database.transaction() as session:
                await self._revoke_access_tokens(session, AccessToken.jti == claims["jti"], now=now)
                await self._audit.record(
                    session,
                    "token_revoked",
                    user_id=claims.get("sub"),
                    client_id=client.id,
                    ip=ip,
                    kind="access_token",
                )

    async def end_session(
        self, claims: Mapping[str, Any], refresh_token: str | None, *, ip: str | None
    ) -> None:
        """Logout: the access token is denylisted and its session's refresh family revoked
        (and the family of ``refresh_token`` too, if it is the same user's)."""
        now = self._clock()
        user_id = str(claims["sub"])
        async with self._database.transaction() as session:
            family_id = await session.scalar(
                select(AccessToken.family_id).where(AccessToken.jti == claims["jti"])
            )
            families = [family_id] if family_id else []
            if refresh_token:
                row = await session.get(RefreshToken, digest(refresh_token))
                if row is not None:
                    families.append(row.family_id)
            await self._revoke_access_tokens(session, AccessToken.jti == claims["jti"], now=now)
            if families:
                await self._revoke_families(
                    session,
                    RefreshFamily.id.in_(families) & (RefreshFamily.user_id == user_id),
                    reason="logout",
                    now=now,
                )
            await self._audit.record(
                session, "logout", user_id=user_id, client_id=claims.get("client_id"), ip=ip
            )

    async def revoke_user_tokens(
        self, session: AsyncSession, user_id: str, *, reason: str, keep_family: str | None = None
    ) -> list[Revoked]:
        """Inside the caller's transaction: revoke every family and live access token of a
        user (except the session ``keep_family``); return the denylisted jtis."""
        now = self._clock()
        families = RefreshFamily.user_id == user_id
        access = AccessToken.user_id == user_id
        if keep_family is not None:
            families = families & (RefreshFamily.id != keep_family)
            access = access & or_(
                AccessToken.family_id.is_(None), AccessToken.family_id != keep_family
            )
        revoked = await self._revoke_families(session, families, reason=reason, now=now)
        return revoked + await self._revoke_access_tokens(session, access, now=now)

    async def revoke_client_tokens(self, session: AsyncSession, client_id: str) -> list[Revoked]:
        now = self._clock()
        revoked = await self._revoke_families(
            session, RefreshFamily.client_id == client_id, reason="client_deleted", now=now
        )
        return revoked + await self._revoke_access_tokens(
            session, AccessToken.client_id == client_id, now=now
        )

    async def revoke_families(
        self, session: AsyncSession, condition: Any, *, reason: str
    ) -> list[Revoked]:
        """Inside the caller's transaction: revoke the live families matching ``condition``
        and their access tokens."""
        return await self._revoke_families(session, condition, reason=reason, now=self._clock())

    async def _revoke_families(
        self, session: AsyncSession, condition: Any, *, reason: str, now: float
    ) -> list[Revoked]:
        family_ids = list(
            (
                await session.execute(
                    update(RefreshFamily)
                    .where(condition, RefreshFamily.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_reason=reason)
                    .returning(RefreshFamily.id)
                )
            ).scalars()
        )
        if not family_ids:
            return []
        return await self._revoke_access_tokens(
            session, AccessToken.family_id.in_(family_ids), now=now
        )

    async def _revoke_access_tokens(
        self, session: AsyncSession, condition: Any, *, now: float
    ) -> list[Revoked]:
        # Also tokens expired less than REVOKED_KEY_OUTLIVES_TOKEN ago: a resource server
        # with leeway still accepts them, and the denylist must reach it.
        rows = await session.execute(
            update(AccessToken)
            .where(
                condition,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > now - REVOKED_KEY_OUTLIVES_TOKEN,
            )
            .values(revoked_at=now)
            .returning(AccessToken.jti, AccessToken.expires_at)
        )
        revoked = [(row.jti, row.expires_at) for row in rows]
        # Before the commit, so a crash right after it cannot lose the Redis copy.
        await self._denylist.publish(session, revoked)
        return revoked


def _client_scopes(client: Client) -> list[str] | None:
    return None if client.scopes is None else parse_scopes(client.scopes)


def user_scopes(user: User) -> list[str]:
    """What ``user`` may be granted now (see :func:`allowed_scopes`)."""
    return allowed_scopes(user.scopes, user.is_admin)


def allowed_scopes(scopes: str, is_admin: bool) -> list[str]:
    """What a user with these stored ``scopes`` may be granted now: ``admin`` only while an
    admin (a stored ``admin`` without the flag, from an old row or a hand edit, grants
    nothing)."""
    return [scope for scope in parse_scopes(scopes) if scope != ADMIN_SCOPE or is_admin]


def _still_allowed(granted: str, user_allowed: list[str], client: Client) -> str:
    """The part of a session's original grant that its user (allowed ``user_allowed`` now)
    and client may still hold.

    A refresh re-reads both: a scope an admin has taken away (or an admin demoted) must not
    live on in a session that rotates for ever."""
    limits = [set(user_allowed)]
    client_scopes = _client_scopes(client)
    if client_scopes is not None:
        limits.append(set(client_scopes))
    return join_scopes(
        scope
        for scope in parse_scopes(granted)
        # Identity scopes were the user's consent to share who they are, not an API grant.
        if scope in IDENTITY_SCOPES or all(scope in limit for limit in limits)
    )


def _public_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    names = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti")
    return {name: claims[name] for name in names if name in claims}
