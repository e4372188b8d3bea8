"""Deleting what has expired: the token tables would otherwise grow by a few rows with every
login and refresh, for as long as the server runs.

What goes, and why it is safe:

* an access token's row once the token has been expired for ``MARGIN`` (an hour): the row
  is only there for the denylist, which counts a token without a row as revoked, and the
  server itself accepts no expired token;
* a refresh token once it has been expired for ``MARGIN``, spent or not: it can buy nothing
  any more. (Presenting a *spent* token ends its session as reuse, RFC 9700 §4.14; once the
  token is gone, presenting it is only refused, and the session lives on. A token that old
  is refused either way.)
* a session (refresh family), with any refresh token left in it, once it is over: revoked
  for ``MARGIN``, or with no refresh or access token of it unexpired for ``MARGIN``;
* an authorization code a day after it expired (a replay is only a signal within the
  code's minute; the day is slack);
* a browser session ``MARGIN`` after it expired (an expired one signs nobody in and can no
  longer be logged out of);
* audit events older than ``JWTKIT_AUDIT_RETENTION`` seconds, when that is set (by default
  they are kept);
* a denylist epoch row (revocations Redis may not have had) after ``EPOCH_MARGIN``: the
  tokens it names expired long before (access tokens live a day at most), and the replicas
  wrote it within seconds.

Every kind but sessions is found through its indexed expiry. Sessions have no expiry of
their own, so they are walked in pages of their primary key, from the first to the last.
Each batch is a read (no lock; on SQLite no write lock either) that picks at most ``BATCH``
rows, then a short transaction that deletes those of them still meeting the condition, so a
purge never holds a long lock and its cost follows the rows it deletes (and, for sessions,
one short read per 1,000 of them). A purge given a number of batches (the admin API's, to
keep a request short) goes on from where the last one stopped and says which kinds have
more to do. A kind that fails (the database down or too slow) is logged and left for the
next run without stopping the others. Every
replica may purge: the deletes are idempotent, and a row that met its condition goes on
meeting it (nothing revives an expired token or an ended session).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, or_, select

from ..._denylist_keys import REVOKED_KEY_OUTLIVES_TOKEN
from ..db import DATABASE_UNAVAILABLE, Database
from ..db.models import (
    AccessToken,
    AuditEvent,
    AuthorizationCode,
    BrowserSession,
    DenylistEpoch,
    RefreshFamily,
    RefreshToken,
    core_table,
)
from .audit import AuditLog

__all__ = ["MARGIN", "Purge", "Purged"]

log = logging.getLogger("jwtkit.server")

#: How long past its expiry (or revocation) a row is kept: as long as a revoked token's
#: Redis key, for revocations of a token resource servers still accept with leeway.
MARGIN = float(REVOKED_KEY_OUTLIVES_TOKEN)
#: How long past its expiry an authorization code is kept.
CODE_MARGIN = 86400.0
#: How long a denylist epoch row is kept: longer than any access token lives, plus MARGIN.
EPOCH_MARGIN = 2 * 86400.0 + MARGIN
BATCH = 1000
#: Batches one run may take of a kind when it is not told a number: more than any table
#: holds (a guard against a loop without end, not a budget).
_EVERY_BATCH = 1_000_000

_access = core_table(AccessToken)
_families = core_table(RefreshFamily)
_refresh = core_table(RefreshToken)
_codes = core_table(AuthorizationCode)
_browser = core_table(BrowserSession)
_audit = core_table(AuditEvent)
_epochs = core_table(DenylistEpoch)


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind one purge deleted, and the kinds it could not finish."""

    access_tokens: int = 0
    refresh_tokens: int = 0
    sessions: int = 0
    authorization_codes: int = 0
    browser_sessions: int = 0
    audit_events: int = 0
    denylist_epochs: int = 0
    incomplete: tuple[str, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        """The rows deleted, by kind (every field but ``incomplete``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "incomplete"}

    def as_dict(self) -> dict[str, Any]:
        return {**self.counts(), "incomplete": list(self.incomplete)}

    @property
    def total(self) -> int:
        return sum(self.counts().values())


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
        #: The last session id the walk reached ("": start from the beginning).
        self._sessions_after = ""

    async def run(self, *, actor: str | None = None, max_batches: int | None = None) -> Purged:
        """One purge of every kind; returns what it deleted. Without ``max_batches`` it goes
        until nothing is left (the session walk from the first id to the last); with it, at
        most that many batches of each kind, the session walk going on from where the last
        such run stopped, and ``incomplete`` names the kinds with more to do. An admin's
        purge (``actor``) is audited; the server's own, every interval, is logged when it
        deletes anything."""
        now = self._clock()
        cutoff = now - MARGIN
        counts: dict[str, int] = {}
        incomplete: list[str] = []
        expiring: list[tuple[str, Table, Any, ColumnElement[bool]]] = [
            ("access_tokens", _access, _access.c.jti, _access.c.expires_at < cutoff),
            ("refresh_tokens", _refresh, _refresh.c.token_hash, _refresh.c.expires_at < cutoff),
            (
                "authorization_codes",
                _codes,
                _codes.c.code_hash,
                _codes.c.expires_at < now - CODE_MARGIN,
            ),
            ("browser_sessions", _browser, _browser.c.id, _browser.c.expires_at < cutoff),
            ("denylist_epochs", _epochs, _epochs.c.id, _epochs.c.at < now - EPOCH_MARGIN),
        ]
        if self._audit_retention > 0:
            expiring.append(
                ("audit_events", _audit, _audit.c.id, _audit.c.at < now - self._audit_retention)
            )
        # Sessions first: their refresh tokens go with them (counted in ``counts``).
        kinds: list[tuple[str, Callable[[], Awaitable[tuple[int, bool]]]]] = [
            ("sessions", partial(self._delete_ended_sessions, cutoff, max_batches, counts)),
            *(
                (kind, partial(self._expired, table, key, condition, max_batches))
                for kind, table, key, condition in expiring
            ),
        ]
        for kind, purge in kinds:
            try:
                deleted, finished = await purge()
            except DATABASE_UNAVAILABLE as error:
                incomplete.append(kind)
                log.warning(
                    "purge of %s stopped (%s: the database is down or too slow); the next "
                    "purge goes on",
                    kind,
                    type(error).__name__,
                )
            else:
                counts[kind] = counts.get(kind, 0) + deleted
                if not finished:
                    incomplete.append(kind)
        purged = Purged(**counts, incomplete=tuple(incomplete))
        if actor is not None:
            await self._audit.record_alone("db_purged", actor=actor, **purged.as_dict())
        return purged

    async def every(self, interval: float) -> None:
        """Purge every ``interval`` seconds until cancelled (the server's lifespan runs this).
        The first run comes after a random part of the interval, so replicas started together
        do not all purge at once."""
        await asyncio.sleep(interval * random.uniform(0.1, 1.0))
        while True:
            try:
                purged = await self.run()
            except Exception:  # a purge that fails must not end the ones after it
                log.exception("purge failed; the next one runs in %s s", interval)
            else:
                if purged.total:
                    log.info("purged expired rows: %s", purged.counts())
            await asyncio.sleep(interval)

    async def _expired(
        self, table: Table, key: Any, condition: ColumnElement[bool], max_batches: int | None
    ) -> tuple[int, bool]:
        """Delete the rows of ``table`` meeting ``condition`` (on an indexed column):
        (rows deleted, whether none is left)."""
        deleted = 0
        for _ in range(max_batches if max_batches is not None else _EVERY_BATCH):
            async with self._database.read() as session:
                keys = (await session.scalars(select(key).where(condition).limit(BATCH))).all()
            if keys:
                deleted += await self._delete(table, key, keys, condition)
            if len(keys) < BATCH:
                return deleted, True
        return deleted, False

    async def _delete_ended_sessions(
        self, cutoff: float, max_batches: int | None, counts: dict[str, int]
    ) -> tuple[int, bool]:
        """Walk the sessions by id, deleting those over with their refresh tokens (counted
        in ``counts``): (sessions deleted, whether the walk reached the last id). Without
        ``max_batches`` the walk goes from the first id to the last; with it, it goes on
        from where the last run stopped and starts again at the first id once done."""
        live_refresh = exists().where(
            _refresh.c.family_id == _families.c.id, _refresh.c.expires_at >= cutoff
        )
        live_access = exists().where(
            _access.c.family_id == _families.c.id, _access.c.expires_at >= cutoff
        )
        over = or_(
            _families.c.revoked_at < cutoff,
            and_(_families.c.created_at < cutoff, ~live_refresh, ~live_access),
        )
        if max_batches is None:
            self._sessions_after = ""
        deleted = 0
        for _ in range(max_batches if max_batches is not None else _EVERY_BATCH):
            async with self._database.read() as session:
                page = (
                    await session.scalars(
                        select(_families.c.id)
                        .where(_families.c.id > self._sessions_after)
                        .order_by(_families.c.id)
                        .limit(BATCH)
                    )
                ).all()
                ended = (
                    (
                        await session.scalars(
                            select(_families.c.id).where(_families.c.id.in_(page), over)
                        )
                    ).all()
                    if page
                    else []
                )
            if ended:
                sessions, tokens = await self._delete_sessions(ended, over)
                deleted += sessions
                counts["refresh_tokens"] = counts.get("refresh_tokens", 0) + tokens
            if len(page) < BATCH:
                self._sessions_after = ""
                return deleted, True
            self._sessions_after = page[-1]
        return deleted, False

    async def _delete(
        self, table: Table, key: Any, keys: Sequence[Any], condition: ColumnElement[bool]
    ) -> int:
        """Delete the rows ``keys`` still meeting ``condition``, in a short transaction."""
        async with self._database.transaction() as session:
            result = await session.execute(delete(table).where(key.in_(keys), condition))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _delete_sessions(
        self, ids: Sequence[str], over: ColumnElement[bool]
    ) -> tuple[int, int]:
        """Delete the sessions ``ids`` still over, with their refresh tokens, at once:
        (sessions, refresh tokens) deleted."""
        still_over = select(_families.c.id).where(_families.c.id.in_(ids), over)
        async with self._database.transaction() as session:
            tokens = await session.execute(
                delete(_refresh).where(_refresh.c.family_id.in_(still_over))
            )
            sessions = await session.execute(delete(_families).where(_families.c.id.in_(ids), over))
        return (
            int(sessions.rowcount or 0),  # type: ignore[attr-defined]
            int(tokens.rowcount or 0),  # type: ignore[attr-defined]
        )
