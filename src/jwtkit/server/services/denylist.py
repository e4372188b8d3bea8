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
here) until Redis answers again, and the same transaction adds a row naming the jtis to
``denylist_epochs`` (the **denylist epochs**): the other replicas may reach Redis and trust
it. ``jwtkit admin`` adds one for every revocation, since the Redis it reached (if any) may
not be the replicas'. Every replica's monitor looks at the recent rows at each check and
writes those it has not written into Redis (a row may commit after higher ids did, so each
check looks again), answering from the database while it finds some. So a revocation made
where Redis is out holds everywhere within a check, whatever the clocks.

**Reading.** Redis is trusted only while the marker key ``{prefix}denylist:ready`` exists (a
Redis that restarted empty or was flushed has lost it) and this process's last complete copy
of the record is current: made since it last saw Redis fail (revocations other replicas made
during an outage may be missing), with every epoch row it last saw written, and since Redis
last lost writes. A Redis restored from an older snapshot (or failed over to a replica that
lagged) keeps the marker but not the revocations made after it; every write this process
makes, and every check, also counts itself in its own canary key (a script), and one that
finds fewer there than Redis had acknowledged removes the
marker (resource servers fail closed) and has the record copied back in. Otherwise, and
whenever Redis cannot answer (down, or slower than ``JWTKIT_REDIS_TIMEOUT``, as under a burst
of logins on starved cores), the database answers: it is the record, so a check is never
wrong for want of Redis, and it fails (503) only when the database cannot answer either.
(Until 2026-12-01 checks failed closed while Redis was out: introspection said ``active:
false`` for live tokens.) Resource servers reading Redis directly fail closed without the
marker: the key names and that verdict live in :mod:`jwtkit._denylist_keys`, shared with
``jwtkit.integrations``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select
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

#: Entries written per pipeline when copying the database's record into Redis, and read per
#: query: each page is a read of its own, so a copy holds no lock (SQLite's write lock would
#: stop every login for the whole copy).
_BATCH = 1000
#: How far below the highest epoch id it has seen each check looks again. Ids are handed out
#: at INSERT, not at commit, so a row may appear after higher ones were seen; the row is
#: added near the end of its transaction, so the ones committed meanwhile are few.
_EPOCH_REACH = 10_000
#: No access token this server signs expires later (year 2286); beyond, a row is not its.
_LATEST_EXPIRY = 1e10
#: Seconds a process's canary key outlives its last write (then it is only clutter).
_CANARY_SECONDS = 86400

_epochs = core_table(DenylistEpoch)
_EPOCHS_ABOVE = select(_epochs.c.id).where(_epochs.c.id > bindparam("low"))
_RAISE_EPOCH = insert(_epochs)

# Counts a process's writes in its canary and answers 1 when the count before this one was
# less than ARGV[1], how many of that process's writes Redis had acknowledged before this one
# was sent: Redis lost writes (restored from an older snapshot, failed over). Writes that
# cross on the way still add up, so neither hides a lost one nor looks like one.
_CANARY = """
local held = tonumber(redis.call('get', KEYS[1]) or '0')
redis.call('set', KEYS[1], held + 1, 'EX', ARGV[2])
if held < tonumber(ARGV[1]) then return 1 end
return 0
"""

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


async def raise_epoch(session: AsyncSession, now: float, revoked: Sequence[Revoked]) -> None:
    """Inside a revoking transaction: ask every replica to write these revocations into
    Redis (an INSERT, so concurrent revocations never wait on each other for it)."""
    payload = json.dumps([[jti, expires_at] for jti, expires_at in revoked])
    await session.execute(_RAISE_EPOCH, {"at": now, "revoked": payload})


def _epoch_entries(epoch: int, text: str) -> list[Revoked]:
    """The revocations an epoch row names; none (and a warning) if it is not what this server
    writes, so one bad row cannot stop every check."""
    try:
        entries = [(str(jti), float(expires_at)) for jti, expires_at in json.loads(text)]
        if not all(0 < expires_at < _LATEST_EXPIRY for _, expires_at in entries):
            raise ValueError("an expiry out of range")
    except (ValueError, TypeError) as error:
        log.warning("denylist: epoch row %d is malformed (%s); skipped", epoch, error)
        return []
    return entries


class Denylist(Protocol):
    async def is_revoked(self, jti: str, *, from_record: bool = False) -> bool:
        """True if the token was revoked (or cannot be vouched for: this server has no
        record of it). ``from_record``: ask the database whatever any copy says."""

    async def publish(self, session: AsyncSession, revoked: Sequence[Revoked]) -> None:
        """Learn of jtis being marked revoked inside ``session``'s transaction; raises only
        what the database raises (the transaction then rolls back, revoking nothing)."""


class DatabaseDenylist:
    """The denylist read straight from the ``access_tokens`` table.

    ``announce`` (``jwtkit admin`` without Redis settings): every revocation raises the
    epoch, in case the replicas keep a copy in a Redis this process does not know of."""

    def __init__(
        self, database: Database, *, clock: Callable[[], float], announce: bool = False
    ) -> None:
        self._database = database
        self._clock = clock
        self._announce = announce

    async def is_revoked(self, jti: str, *, from_record: bool = False) -> bool:
        async with self._database.read() as session:
            row = (await session.execute(REVOKED_AT, {"jti": jti})).first()
        # A token this server signed has its row until long after it expires; no row means it
        # cannot be vouched for.
        return row is None or row.revoked_at is not None

    async def publish(self, session: AsyncSession, revoked: Sequence[Revoked]) -> None:
        if revoked and self._announce:
            await raise_epoch(session, self._clock(), revoked)


class RedisDenylist:
    """The denylist in Redis, shared by the replicas and readable by resource servers.

    ``announce`` (``jwtkit admin``): every revocation raises the epoch, not only those Redis
    did not take, because this process's Redis settings may not be the replicas' (another
    URL, another prefix) and it exits before any check could notice."""

    def __init__(
        self,
        redis: RedisConnection,
        database: Database,
        *,
        prefix: str,
        clock: Callable[[], float],
        announce: bool = False,
    ) -> None:
        self._redis = redis
        self._database = database
        self._fallback = DatabaseDenylist(database, clock=clock)
        self._clock = clock
        self._announce = announce
        self._keys = DenylistKeys(prefix)
        self._finish_copy = redis.client.register_script(_FINISH_COPY)
        self._canary_script = redis.client.register_script(_CANARY)
        #: Revocations Redis has not taken yet: jti -> expiry.
        self._pending: dict[str, float] = {}
        #: This process's canary key: every write of this process also counts itself there
        #: (see ``_CANARY``), so it holds at least as many as Redis acknowledged, unless
        #: Redis lost writes.
        self._canary_key = self._keys.canary(uuid.uuid4().hex)
        self._canary_acknowledged = 0
        #: How many times this process found that Redis lost writes.
        self._losses = 0
        #: Epoch rows written into Redis (or covered by a whole copy) within the reach below
        #: the highest id seen.
        self._epochs_written: set[int] = set()
        self._epochs_high = 0
        #: Whether the last look at the epochs found rows not yet written.
        self._epochs_behind = False
        #: ``redis.outages`` and ``_losses`` when the last whole copy began (None: never).
        self._copied_at_outage: int | None = None
        self._copied_at_loss: int | None = None
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
        written = False
        if self._redis.available:
            try:
                await self._write(list(revoked))
            except self._redis.errors as error:
                self._redis.failed(error)
            else:
                written = True
                for jti, _ in revoked:
                    self._pending.pop(jti, None)
        if not written:
            log.warning("%d revocation(s) wait for Redis to answer", len(revoked))
        if not written or self._announce:
            # Replicas that reach Redis would accept these tokens: the epoch row, committed
            # with the revocation, makes each of them write it in at its next check.
            await raise_epoch(session, self._clock(), revoked)

    def _copy_is_current(self) -> bool:
        """Whether this process's copies cover everything Redis should hold."""
        return (
            self._copied_at_outage == self._redis.outages
            and self._copied_at_loss == self._losses
            and not self._epochs_behind
        )

    async def copy_record(self) -> int:
        """Copy every revoked, unexpired jti from the database into Redis; mark Redis ready.

        Reads in pages, each a read of its own (no lock held). Returns how many entries
        were written."""
        outages, losses = self._redis.outages, self._losses
        # Epoch rows committed by now are covered: their revocations are in the table.
        epochs = await self._epochs_in_reach()
        token = uuid.uuid4().hex
        copy_key = self._keys.copying(token)
        await self._redis.client.set(copy_key, 1, ex=3600)
        written = 0
        # As long as its key lives: resource servers with leeway still need it.
        floor = self._clock() - REVOKED_KEY_OUTLIVES_TOKEN
        after = ""
        while True:
            async with self._database.read() as session:
                page = [
                    (row.jti, row.expires_at)
                    for row in await session.execute(
                        select(AccessToken.jti, AccessToken.expires_at)
                        .where(
                            AccessToken.revoked_at.is_not(None),
                            AccessToken.expires_at > floor,
                            AccessToken.jti > after,
                        )
                        .order_by(AccessToken.jti)
                        .limit(_BATCH)
                    )
                ]
            if page:
                await self._write(page)
                written += len(page)
            if len(page) < _BATCH:
                break
            after = page[-1][0]
        if await self._finish_copy(keys=[copy_key, self._keys.ready], args=[token]) == 1:
            self._copied_at_outage, self._copied_at_loss = outages, losses
            self._note_written(epochs, epochs)
            log.info("denylist: copied %d revoked access token(s) into Redis", written)
        return written

    async def _epochs_in_reach(self) -> list[int]:
        """The epoch ids above the highest seen less the reach: every row that may be new."""
        async with self._database.read() as session:
            low = self._epochs_high - _EPOCH_REACH
            return list((await session.scalars(_EPOCHS_ABOVE, {"low": low})).all())

    def _note_written(self, present: list[int], written: Sequence[int]) -> None:
        high = max(present, default=self._epochs_high)
        if high < self._epochs_high:  # the table was emptied (and SQLite reused ids)
            self._epochs_written.clear()
        self._epochs_high = high
        self._epochs_written.update(written)
        low = high - _EPOCH_REACH
        self._epochs_written = {epoch for epoch in self._epochs_written if epoch > low}

    async def _write_epochs(self) -> None:
        """Write into Redis the revocations of the epoch rows not written yet."""
        present = await self._epochs_in_reach()
        unseen = [epoch for epoch in present if epoch not in self._epochs_written]
        self._epochs_behind = bool(unseen)
        for start in range(0, len(unseen), _BATCH):
            chunk = unseen[start : start + _BATCH]
            async with self._database.read() as session:
                rows = (
                    await session.execute(
                        select(_epochs.c.id, _epochs.c.revoked).where(_epochs.c.id.in_(chunk))
                    )
                ).all()
            floor = self._clock() - REVOKED_KEY_OUTLIVES_TOKEN
            revoked = [
                entry
                for row in rows
                for entry in _epoch_entries(row.id, row.revoked)
                if entry[1] > floor
            ]
            for first in range(0, len(revoked), _BATCH):
                await self._write(revoked[first : first + _BATCH])
        self._note_written(present, unseen)
        self._epochs_behind = False

    async def _after_ping(self, recovered: bool) -> None:
        """The monitor's hook: notice a Redis that lost writes, write what waits, and copy
        the record (or the epochs' revocations) in when Redis needs it."""
        await self._lost_writes()
        if self._pending:
            waiting = list(self._pending.items())
            await self._write(waiting)
            for jti, _ in waiting:
                self._pending.pop(jti, None)
        try:
            if (
                self._copied_at_outage != self._redis.outages
                or self._copied_at_loss != self._losses
                or not await self._redis.client.exists(self._keys.ready)
            ):
                await self.copy_record()
            else:
                await self._write_epochs()
        except DATABASE_UNAVAILABLE as error:  # the database answers checks until then
            if not self._copy_waits:
                log.warning("denylist: copying into Redis waits for the database (%s)", error)
            self._copy_waits = True
        else:
            self._copy_waits = False

    async def _lost_writes(self) -> bool:
        """Check this process's canary (and move it on): True when Redis lost writes."""
        pipeline: Any = self._redis.client.pipeline(transaction=False)
        return await self._with_canary(pipeline)

    async def _with_canary(self, pipeline: Any) -> bool:
        """Run ``pipeline`` with this process's canary counted last; True (and Redis no
        longer trusted, its marker removed, until the monitor's whole copy) when the canary
        held less than Redis had acknowledged before this write was sent."""
        key, acknowledged = self._canary_key, self._canary_acknowledged
        await self._canary_script(  # queued on the pipeline, not sent yet
            keys=[key], args=[acknowledged, _CANARY_SECONDS], client=pipeline
        )
        try:
            results = await pipeline.execute()
        except BaseException:
            # Redis may have run it and counted it with no answer reaching us: the count is
            # then ahead of ours for good, and would hide a later loss of one write. Count
            # afresh under a new key (the failure has Redis copied back in anyway).
            if key == self._canary_key:
                self._canary_key = self._keys.canary(uuid.uuid4().hex)
                self._canary_acknowledged = 0
            raise
        lost = bool(results[-1])
        if key == self._canary_key:
            self._canary_acknowledged += 1
        if lost and key == self._canary_key:
            # Restored from an older snapshot, or failed over to a replica that lagged: it
            # may lack revocations made since. Resource servers must not trust it either.
            # Counting starts over under a new key (this one's count is behind for good).
            self._canary_key = self._keys.canary(uuid.uuid4().hex)
            self._canary_acknowledged = 0
            self._losses += 1
            log.warning("denylist: Redis lost writes (restarted or failed over); copying back")
            await self._redis.client.delete(self._keys.ready)
        return lost

    async def _write(self, revoked: Sequence[Revoked]) -> None:
        pipeline: Any = self._redis.client.pipeline(transaction=False)
        for jti, expires_at in revoked:
            pipeline.set(self.key(jti), 1, exat=int(expires_at) + REVOKED_KEY_OUTLIVES_TOKEN)
        await self._with_canary(pipeline)
