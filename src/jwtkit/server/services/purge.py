"""Deleting what has expired: the token tables would otherwise grow by a few rows with every
login and refresh, for as long as the server runs.

What goes, and why it is safe:

* an access token's row once the token has been expired for ``MARGIN`` (an hour): the row
  is only there for the denylist, and no verifier accepts a token that long past its
  ``exp``, whatever its leeway;
* a session (refresh family) with its refresh tokens once the whole session is over: revoked
  for ``MARGIN``, or with no refresh token or access token of it unexpired for ``MARGIN``.
  A live session keeps every spent token, so presenting one is still detected as reuse and
  ends the session (RFC 9700 §4.14);
* an authorization code a day after it expired (a replay is only a signal within the
  code's minute; the day is slack);
* a browser session ``MARGIN`` after it ended, or after it expired once no unrevoked
  session signed in through it is left (a logout naming it must still end those);
* audit events older than ``JWTKIT_AUDIT_RETENTION`` seconds, when that is set (by default
  they are kept).

Each kind is deleted in batches of ``BATCH`` rows, a short transaction each, so a purge never
holds a long lock; a run stops after ``MAX_BATCHES`` batches of a kind and the next run goes
on. Every replica may purge: the deletes are idempotent, and the rows they choose can no
longer change (nothing revives an expired token or an ended session).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, delete, exists, or_, select

from ..db import DATABASE_UNAVAILABLE, Database
from ..db.models import (
    AccessToken,
    AuditEvent,
    AuthorizationCode,
    BrowserSession,
    RefreshFamily,
    RefreshToken,
)
from .audit import AuditLog

__all__ = ["MARGIN", "Purge", "Purged"]

log = logging.getLogger("jwtkit.server")

#: How long past its expiry (or revocation) a row is kept.
MARGIN = 3600.0
#: How long past its expiry an authorization code is kept.
CODE_MARGIN = 86400.0
BATCH = 1000
MAX_BATCHES = 1000

_access = cast(Table, AccessToken.__table__)
_families = cast(Table, RefreshFamily.__table__)
_refresh = cast(Table, RefreshToken.__table__)
_codes = cast(Table, AuthorizationCode.__table__)
_browser = cast(Table, BrowserSession.__table__)
_audit = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind one purge deleted."""

    access_tokens: int = 0
    sessions: int = 0
    refresh_tokens: int = 0
    authorization_codes: int = 0
    browser_sessions: int = 0
    audit_events: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())


class Purge:
    """Deletes expired rows (see the module's docstring), on demand or every ``interval``."""

    def __init__(
        self,
        database: Database,
        audit: AuditLog,
        clock: Callable[[], float],
        *,
        audit_retention: float = 0,
    ) -> None:
        self._database = database
        self._audit = audit
        self._clock = clock
        self._audit_retention = audit_retention

    async def run(self, *, actor: str | None = None) -> Purged:
        """One purge of every kind; returns what it deleted. An admin's purge (``actor``)
        is audited; the server's own, every interval, is logged when it deletes anything."""
        purged = await self._purge()
        if actor is not None:
            await self._audit.record_alone("db_purged", actor=actor, **purged.as_dict())
        return purged

    async def _purge(self) -> Purged:
        now = self._clock()
        cutoff = now - MARGIN
        access_tokens = await self._delete_batches(
            _access, _access.c.jti, _access.c.expires_at < cutoff
        )
        sessions, refresh_tokens = await self._delete_ended_sessions(cutoff)
        codes = await self._delete_batches(
            _codes, _codes.c.code_hash, _codes.c.expires_at < now - CODE_MARGIN
        )
        # An expired browser session stays while a session signed in through it is not
        # revoked: a logout naming it (its sid) must still end those.
        signed_in_through = exists().where(
            _families.c.browser_session_id == _browser.c.id, _families.c.revoked_at.is_(None)
        )
        browser = await self._delete_batches(
            _browser,
            _browser.c.id,
            or_(
                _browser.c.ended_at < cutoff,
                and_(_browser.c.expires_at < cutoff, ~signed_in_through),
            ),
        )
        audit = 0
        if self._audit_retention > 0:
            audit = await self._delete_batches(
                _audit, _audit.c.id, _audit.c.at < now - self._audit_retention
            )
        return Purged(access_tokens, sessions, refresh_tokens, codes, browser, audit)

    async def every(self, interval: float) -> None:
        """Purge every ``interval`` seconds until cancelled (the server's lifespan runs this).
        The first run comes after a random part of the interval, so replicas started together
        do not all purge at once. A database that is down is a warning, and the next run
        tries again."""
        await asyncio.sleep(interval * random.uniform(0.1, 1.0))
        while True:
            try:
                purged = await self.run()
            except DATABASE_UNAVAILABLE as error:
                log.warning("purge skipped, the database is unavailable: %s", type(error).__name__)
            except Exception:  # a purge that fails must not end the ones after it
                log.exception("purge failed; the next one runs in %s s", interval)
            else:
                if purged.total:
                    log.info("purged expired rows: %s", purged.as_dict())
            await asyncio.sleep(interval)

    async def _delete_batches(self, table: Table, key: Any, condition: Any) -> int:
        """Delete the rows of ``table`` matching ``condition``, ``BATCH`` at a time."""
        deleted = 0
        for _ in range(MAX_BATCHES):
            async with self._database.transaction() as session:
                keys = (await session.scalars(select(key).where(condition).limit(BATCH))).all()
                if keys:
                    await session.execute(delete(table).where(key.in_(keys)))
            deleted += len(keys)
            if len(keys) < BATCH:
                break
        return deleted

    async def _delete_ended_sessions(self, cutoff: float) -> tuple[int, int]:
        """Delete sessions that are over, with their refresh tokens: (sessions, tokens)."""
        live_refresh = exists().where(
            _refresh.c.family_id == _families.c.id, _refresh.c.expires_at >= cutoff
        )
        live_access = exists().where(
            _access.c.family_id == _families.c.id, _access.c.expires_at >= cutoff
        )
        ended = or_(
            _families.c.revoked_at < cutoff,
            and_(_families.c.created_at < cutoff, ~live_refresh, ~live_access),
        )
        sessions = tokens = 0
        for _ in range(MAX_BATCHES):
            async with self._database.transaction() as session:
                ids = (
                    await session.scalars(select(_families.c.id).where(ended).limit(BATCH))
                ).all()
                if ids:
                    result = await session.execute(
                        delete(_refresh).where(_refresh.c.family_id.in_(ids))
                    )
                    tokens += result.rowcount or 0  # type: ignore[attr-defined]
                    await session.execute(delete(_families).where(_families.c.id.in_(ids)))
            sessions += len(ids)
            if len(ids) < BATCH:
                break
        return sessions, tokens
