"""The access-token denylist: which ``jti``s were revoked before they expired.

The database is the record (``access_tokens.revoked_at``). A :class:`Denylist` answers "is
this jti revoked?" and is told, inside the revoking transaction, which jtis that transaction
marks revoked. :class:`DatabaseDenylist` reads the table. :class:`RedisDenylist` (with
``JWTKIT_REDIS_URL``) keeps a copy in Redis, the key ``{prefix}revoked:{jti}`` (value ``1``,
expiring an hour after the token does: the most leeway a resource server may allow), that
every replica and every resource server reads with one round trip.

**Writing.** The copy is written *before* the database commits, so a replica that dies
between the commit and the copy cannot lose a revocation. A copy for a transaction that then
rolls back only refuses a token whose revocation was asked for anyway, and a logout or RFC
7009 revocation tried again reads the database (``from_record``), so it is done, not
refused. When Redis cannot take the copy, the jtis wait in memory (and answer "revoked"
here) until Redis answers again, and the same transaction raises the **denylist epoch**
(``denylist_epoch``): the other replicas may reach Redis and trust it. Every replica's
monitor reads the epoch at each check and copies the database's record into Redis when it
has not copied at this epoch, answering from the database meanwhile. So a revocation made
where Redis is out (one replica's network, ``jwtkit admin`` on a machine that cannot reach
Redis) holds everywhere within a check and the copy.

**Reading.** Redis is trusted only while the marker key ``{prefix}denylist:ready`` exists (a
Redis that restarted empty or was flushed has lost it) and this process's last complete copy
of the record is current: made since it last saw Redis fail (revocations other replicas made
during an outage may be missing), at the epoch it last read, and since the Redis server last
started (its ``run_id``: a Redis restored from an older snapshot keeps the marker but not the
revocations made after it; on a new ``run_id`` the monitor removes the marker before copying,
so resource servers fail closed meanwhile). Otherwise, and whenever Redis cannot answer
(down, or slower than ``JWTKIT_REDIS_TIMEOUT``, as under a burst of logins on starved
cores), the database answers: it is the record, so a check is never wrong for want of Redis,
and it fails (503) only when the database cannot answer either. (Until 2026-12-01 checks
failed closed while Redis was out: introspection said ``active: false`` for live tokens.)
Resource servers reading Redis directly fail closed without the marker: the key names and
that verdict live in :mod:`jwtkit._denylist_keys`, shared with ``jwtkit.integrations``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..._denylist_keys import REVOKED_KEY_OUTLIVES_TOKEN, DenylistKeys
from ..db import DATABASE_UNAVAILABLE, Database
from ..db.models import AccessToken, DenylistEpoch, core_table
from ..redis_connection import RedisConnection
from .token_statements import REVOKED_AT

__all__ = ["DatabaseDenylist", "Denylist", "RedisDenylist", "Revoked"]

log = logging.getLogger("jwtkit.server")

#: A revoked access token: its jti and when it expires (after which nobody needs to know).
Revoked = tuple[str, float]

#: Entries written per pipeline when copying the database's record into Redis.
_BATCH = 1000

_epoch = core_table(DenylistEpoch)
_READ_EPOCH = select(_epoch.c.epoch).where(_epoch.c.id == 1)
_RAISE_EPOCH = update(_epoch).where(_epoch.c.id == 1).values(epoch=_epoch.c.epoch + 1)

# Marks the copy complete only if this copy's own key survived it: a Redis that restarted
# (or was flushed) halfway through has lost part of the copy and must not be marked ready.
_FINISH_COPY = """
if redis.call('exists', KEYS[1]) == 1 then
  redis.call('set', KEYS[2], ARGV[1])
  redis.call('del', KEYS[1])
  return 1
end
return 0
"""


class Denylist(Protocol):
    async def is_revoked(self, jti: str, *, from_record: bool = False) -> bool:
        """True if the token was revoked (or cannot be vouched for: this server has no
        record of it). ``from_record``: ask the database whatever any copy says."""

    async def publish(self, session: AsyncSession, revoked: Sequence[Revoked]) -> None:
        """Learn of jtis being marked revoked inside ``session``'s transaction; raises only
        what the database raises (the transaction then rolls back, revoking nothing)."""


class DatabaseDenylist:
    """The denylist read straight from the ``access_tokens`` table."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def is_revoked(self, jti: str, *, from_record: bool = False) -> bool:
        async with self._database.read() as session:
            row = (await session.execute(REVOKED_AT, {"jti": jti})).first()
        # A token this server signed has its row until long after it expires; no row means it
        # cannot be vouched for.
        return row is None or row.revoked_at is not None

    async def publish(self, session: AsyncSession, revoked: Sequence[Revoked]) -> None:
        return None


class RedisDenylist:
    """The denylist in Redis, shared by the replicas and readable by resource servers."""

    def __init__(
        self,
        redis: RedisConnection,
        database: Database,
        *,
        prefix: str,
        clock: Callable[[], float],
    ) -> None:
        self._redis = redis
        self._database = database
        self._fallback = DatabaseDenylist(database)
        self._clock = clock
        self._keys = DenylistKeys(prefix)
        self._finish_copy = redis.client.register_script(_FINISH_COPY)
        #: Revocations Redis has not taken yet: jti -> expiry.
        self._pending: dict[str, float] = {}
        #: ``redis.outages`` when this process last copied the whole record in (None: never).
        self._copied_at_outage: int | None = None
        #: The database's epoch and Redis's ``run_id`` as the monitor last read them, and as
        #: they were when this process's last complete copy began.
        self._epoch: int | None = None
        self._run_id: str | None = None
        self._copied_epoch: int | None = None
        self._copied_run_id: str | None = None
        self._copy_waits = False
        redis.on_check(self._after_ping)

    def key(self, jti: str) -> str:
        return self._keys.revoked(jti)

    async def is_revoked(self, jti: str, *, from_record: bool = False) -> bool:
        if from_record:
            return await self._fallback.is_revoked(jti)
        if jti in self._pending:
            return True
        if not self._redis.available:
            return await self._fallback.is_revoked(jti)  # the record answers meanwhile
        try:
            listed, ready = await (
                self._redis.client.pipeline(transaction=False)
                .exists(self.key(jti))
                .exists(self._keys.ready)
                .execute()
            )
        except self._redis.errors as error:
            self._redis.failed(error)
            return await self._fallback.is_revoked(jti)
        if listed:
            return True
        if ready and self._copy_is_current():
            return False
        # Redis may be missing revocations (it lost its data, or we have not copied the record
        # in since it was last down): the database answers until the monitor has.
        return await self._fallback.is_revoked(jti)

    async def publish(self, session: AsyncSession, revoked: Sequence[Revoked]) -> None:
        if not revoked:
            return
        for jti, expires_at in revoked:
            self._pending[jti] = expires_at
        if self._redis.available:
            try:
                await self._write(list(revoked))
            except self._redis.errors as error:
                self._redis.failed(error)
            else:
                for jti, _ in revoked:
                    self._pending.pop(jti, None)
                return
        # Replicas that reach Redis would accept these tokens: the raised epoch, committed
        # with the revocation, makes each of them copy the record in at its next check.
        if (await session.execute(_RAISE_EPOCH)).rowcount == 0:  # type: ignore[attr-defined]
            await session.execute(insert(_epoch).values(id=1, epoch=1))  # deleted by hand
        log.warning("%d revocation(s) wait for Redis to answer", len(revoked))

    def _copy_is_current(self) -> bool:
        """Whether this process's last complete copy covers everything Redis should hold."""
        return (
            self._copied_at_outage == self._redis.outages
            and self._copied_epoch == self._epoch
            and self._copied_run_id == self._run_id
        )

    async def copy_record(self) -> int:
        """Copy every revoked, unexpired jti from the database into Redis; mark Redis ready.

        Returns how many entries were written."""
        outages, epoch, run_id = self._redis.outages, self._epoch, self._run_id
        token = uuid.uuid4().hex
        copy_key = self._keys.copying(token)
        await self._redis.client.set(copy_key, 1, ex=3600)
        written = 0
        now = self._clock()
        async with self._database.transaction() as session:
            rows = await session.stream(
                select(AccessToken.jti, AccessToken.expires_at)
                .where(
                    AccessToken.revoked_at.is_not(None),
                    # As long as its key lives: resource servers with leeway still need it.
                    AccessToken.expires_at > now - REVOKED_KEY_OUTLIVES_TOKEN,
                )
                .execution_options(yield_per=_BATCH)
            )
            async for batch in rows.partitions(_BATCH):
                await self._write([(row.jti, row.expires_at) for row in batch])
                written += len(batch)
        if await self._finish_copy(keys=[copy_key, self._keys.ready], args=[token]) == 1:
            self._copied_at_outage, self._copied_epoch, self._copied_run_id = (
                outages,
                epoch,
                run_id,
            )
            log.info("denylist: copied %d revoked access token(s) into Redis", written)
        return written

    async def _after_ping(self, recovered: bool) -> None:
        """The monitor's hook: write what waits, and copy the record in when Redis needs it."""
        if self._pending:
            waiting = list(self._pending.items())
            await self._write(waiting)
            for jti, _ in waiting:
                self._pending.pop(jti, None)
        run_id = await self._server_run_id()
        restarted = self._run_id is not None and run_id != self._run_id
        self._run_id = run_id  # from now on this process asks the database
        if restarted:
            # Redis restarted (or another server took its place) with whatever data it had:
            # an older snapshot lacks later revocations. Resource servers must not trust it
            # either until the record is copied back in.
            log.warning("denylist: Redis restarted; copying the record back in")
            await self._redis.client.delete(self._keys.ready)
        try:
            async with self._database.read() as session:
                self._epoch = await session.scalar(_READ_EPOCH)
        except DATABASE_UNAVAILABLE:
            pass  # the copy below waits for the database too, and says so
        if not self._copy_is_current() or not await self._redis.client.exists(self._keys.ready):
            try:
                await self.copy_record()
            except DATABASE_UNAVAILABLE as error:  # the database answers checks until then
                if not self._copy_waits:
                    log.warning("denylist: copying into Redis waits for the database (%s)", error)
                self._copy_waits = True
            else:
                self._copy_waits = False

    async def _server_run_id(self) -> str | None:
        """The Redis server's ``run_id``, new at every start (None where INFO is refused)."""
        from redis.exceptions import ResponseError

        try:
            info = await self._redis.client.info("server")
        except ResponseError:
            return None
        run_id = info.get("run_id")
        return run_id if isinstance(run_id, str) else None

    async def _write(self, revoked: Sequence[Revoked]) -> None:
        pipeline: Any = self._redis.client.pipeline(transaction=False)
        for jti, expires_at in revoked:
            pipeline.set(self.key(jti), 1, exat=int(expires_at) + REVOKED_KEY_OUTLIVES_TOKEN)
        await pipeline.execute()
