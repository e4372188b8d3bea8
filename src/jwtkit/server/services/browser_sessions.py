"""Browser sessions: who signed in at the login page, kept in the database.

The cookie holds 256 random bits; the database holds only their SHA-256, so any replica
serves the session and a copy of the database hands out none. A session stops counting when
it expires, is ended (logout), or its user is disabled, deleted or changes password after it
began. Ending one also revokes the refresh families signed in through it, so a logout in the
browser ends the apps' sessions too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from ..db import Database
from ..db.models import BrowserSession, RefreshFamily, User
from ..security.secrets import digest, new_token
from ..settings import Settings
from .audit import AuditLog
from .tokens import TokenService

__all__ = ["BrowserSessionService", "SignedIn"]

_MAX_COOKIE_LENGTH = 128


@dataclass(frozen=True)
class SignedIn:
    """A live browser session and its user."""

    session: BrowserSession
    user: User


class BrowserSessionService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        tokens: TokenService,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._database = database
        self._settings = settings
        self._tokens = tokens
        self._audit = audit
        self._clock = clock

    async def start(self, user: User, *, ip: str | None) -> tuple[BrowserSession, str]:
        """A new session for a user who just proved their password; returns it and the
        cookie value (shown to the browser only)."""
        secret = new_token()
        now = self._clock()
        session_row = BrowserSession(
            id=str(uuid.uuid4()),
            secret_hash=digest(secret),
            user_id=user.id,
            auth_time=now,
            created_at=now,
            expires_at=now + self._settings.browser_session_lifetime,
        )
        async with self._database.transaction() as session:
            session.add(session_row)
            await self._audit.record(
                session, "browser_login", user_id=user.id, ip=ip, browser_session=session_row.id
            )
        return session_row, secret

    async def find(self, cookie_value: str | None) -> SignedIn | None:
        """The live session a cookie names, or None."""
        if not cookie_value or len(cookie_value) > _MAX_COOKIE_LENGTH:
            return None
        now = self._clock()
        async with self._database.transaction() as session:
            found = await session.scalar(
                select(BrowserSession).where(BrowserSession.secret_hash == digest(cookie_value))
            )
            user = await session.get(User, found.user_id) if found is not None else None
        if (
            found is None
            or user is None
            or found.ended_at is not None
            or found.expires_at <= now
            or user.disabled_at is not None
            or user.password_changed_at > found.created_at
        ):
            return None
        return SignedIn(found, user)

    async def end(self, browser_session_id: str, *, ip: str | None) -> None:
        """Logout: the session ends, and with it every app session signed in through it."""
        now = self._clock()
        async with self._database.transaction() as session:
            ended = (
                await session.execute(
                    update(BrowserSession)
                    .where(
                        BrowserSession.id == browser_session_id, BrowserSession.ended_at.is_(None)
                    )
                    .values(ended_at=now)
                    .returning(BrowserSession.user_id)
                )
            ).first()
            if ended is None:
                return
            await self._tokens.revoke_families(
                session, RefreshFamily.browser_session_id == browser_session_id, reason="logout"
            )
            await self._audit.record(
                session,
                "browser_logout",
                user_id=ended.user_id,
                ip=ip,
                browser_session=browser_session_id,
            )
