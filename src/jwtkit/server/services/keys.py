"""The signing keys: jwtkit's KeyRing kept in the database, sealed under the master key.

The whole ring is one row: the document :class:`~jwtkit.keyring.KeyRingSealer` makes (every
key JWE-encrypted) and its revision. A save is one conditional UPDATE on the revision (or an
INSERT that the primary key makes unique), so two replicas rotating at once cannot both win.
Rotation happens on the schedule (``key_rotation_interval``) the first time a running server
signs or publishes after it is due, and by hand (``jwtkit admin keys rotate``); a retired
key is pruned once every token it signed has expired. The store audits each change in the
transaction that saves it, so a change is audited exactly once however many replicas race
to make it.
:class:`SigningKeys` adds what the server needs on top of the ring: the verifier for tokens it
issued and the published JWKS, each rebuilt only when the ring's revision changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ... import Key, KeySet, Verifier
from ...keyring import AsyncKeyRing, KeyRecord, KeyRingConflictError, KeyRingSealer, KeyRingState
from ..db import Database
from ..db.models import KeyRingRow
from ..security.secrets import MasterKey
from ..settings import Settings
from .audit import AuditLog

__all__ = ["ID_TOKEN_ALG", "DatabaseKeyStore", "SigningKeys"]

_RING_ROW = 1
#: The RS256 ring that signs ID tokens when the access-token ring uses another algorithm.
_ID_TOKEN_RING_ROW = 2
#: OpenID Connect's default ID token algorithm, the one every relying party supports.
ID_TOKEN_ALG = "RS256"
#: Least time between two reloads forced by tokens naming an unknown key.
_FORCED_RELOAD_SECONDS = 1.0
#: Who is changing the ring in this task (an admin's id, "cli"); None: the schedule.
_ACTOR: ContextVar[str | None] = ContextVar("jwtkit_key_ring_actor", default=None)


class DatabaseKeyStore:
    """An :class:`~jwtkit.keyring.AsyncKeyRingStore` in the ``key_ring`` table."""

    def __init__(
        self,
        database: Database,
        master_key: MasterKey,
        audit: AuditLog | None = None,
        *,
        row: int = _RING_ROW,
    ) -> None:
        self._database = database
        self._row = row
        self._sealer = KeyRingSealer(master_key=master_key.derive("key ring"))
        self._cached: tuple[bytes, KeyRingState] | None = None
        self._audit = audit

    @staticmethod
    async def exists(database: Database, row: int = _RING_ROW) -> bool:
        """Whether the database holds a key ring (read without opening it)."""
        async with database.transaction() as session:
            found = await session.scalar(select(KeyRingRow.id).where(KeyRingRow.id == row))
        return found is not None

    async def load(self) -> KeyRingState | None:
        async with self._database.transaction() as session:
            document = await session.scalar(
                select(KeyRingRow.document).where(KeyRingRow.id == self._row)
            )
        if document is None:
            return None
        if self._cached is not None and self._cached[0] == document:
            return self._cached[1]  # unchanged: skip the decryption
        state = self._sealer.open(document)
        self._cached = (document, state)
        return state

    async def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        document = self._sealer.seal(state)
        # The ring saves right after loading the state it changed: that is the one replaced.
        before = self._cached[1] if self._cached is not None else None
        if before is not None and before.revision != expected_revision:
            before = None
        async with self._database.transaction() as session:
            if expected_revision is None:
                try:
                    async with session.begin_nested():
                        await session.execute(
                            insert(KeyRingRow).values(
                                id=self._row, revision=state.revision, document=document
                            )
                        )
                except IntegrityError:
                    raise KeyRingConflictError("Another process created the key ring") from None
            else:
                result = await session.execute(
                    update(KeyRingRow)
                    .where(KeyRingRow.id == self._row, KeyRingRow.revision == expected_revision)
                    .values(revision=state.revision, document=document)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    raise KeyRingConflictError("Another process changed the key ring")
            await self._record_change(session, before, state)
        self._cached = (document, state)

    async def _record_change(
        self, session: AsyncSession, before: KeyRingState | None, after: KeyRingState
    ) -> None:
        """Audit what this save changes: a new current key (rotation) and pruned keys."""
        if self._audit is None:
            return
        actor = _ACTOR.get()
        trigger = "schedule" if actor is None else "admin"
        if before is None:
            await self._audit.record(
                session,
                "signing_keys_created",
                ring=self._row,
                kid=after.current.kid,
                alg=after.current.key.alg,
            )
            return
        if before.current.kid != after.current.kid:
            await self._audit.record(
                session,
                "key_rotated",
                actor=actor,
                trigger=trigger,
                ring=self._row,
                kid=after.current.kid,
                alg=after.current.key.alg,
                previous=before.current.kid,
            )
        kept = {record.kid for record in after.records}
        for record in before.records:
            if record.kid not in kept:
                await self._audit.record(
                    session,
                    "key_removed",
                    actor=actor,
                    trigger=trigger,
                    ring=self._row,
                    kid=record.kid,
                )


class SigningKeys:
    """The ring plus what is derived from each of its revisions."""

    def __init__(
        self,
        database: Database,
        master_key: MasterKey,
        settings: Settings,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        ring_options: dict[str, Any] = {
            "rotate_every": settings.key_rotation_interval,
            # ID tokens (and access tokens) live at most this long.
            "max_token_lifetime": max(settings.access_token_lifetime, 3600),
            # Another replica's rotation is seen within the JWKS's max-age (0: every call).
            "reload_every": min(60, settings.jwks_max_age),
            "clock": clock,
        }
        self.ring = AsyncKeyRing(
            DatabaseKeyStore(database, master_key, audit),
            alg=settings.signing_alg,
            **ring_options,
        )
        #: Signs ID tokens: RS256, a ring of its own unless access tokens use RS256 already.
        #: Made on first use, so a server that never meets an OIDC client makes no RSA key.
        self.id_token_ring = (
            self.ring
            if settings.signing_alg == ID_TOKEN_ALG
            else AsyncKeyRing(
                DatabaseKeyStore(database, master_key, audit, row=_ID_TOKEN_RING_ROW),
                alg=ID_TOKEN_ALG,
                **ring_options,
            )
        )
        self._jwks_for: tuple[int, int | None] | None = None
        self._database = database
        #: Whether the ID-token ring exists yet (some replica signed an ID token), and when
        #: this replica last looked: until then the JWKS publishes the access-token ring only.
        self._id_ring_exists = self.id_token_ring is self.ring
        self._id_ring_checked_at = float("-inf")
        self._id_ring_recheck = min(60.0, float(settings.jwks_max_age))
        self._issuer = settings.issuer_url
        self._clock = clock
        self._derived_for: int | None = None
        self._verifier: Verifier | None = None
        self._jwks_json: bytes = b""
        self._forced_reload_at = float("-inf")

    async def signing_key(self) -> Key:
        return await self.ring.signing_key()

    async def verifier(self) -> Verifier:
        """A Verifier for access tokens this server issued (signature, ``iss``, ``typ``)."""
        await self._refresh()
        assert self._verifier is not None
        return self._verifier

    async def id_token_key(self) -> Key:
        key = await self.id_token_ring.signing_key()
        self._id_ring_exists = True
        return key

    async def jwks_json(self) -> bytes:
        """The public JWKS document (both rings), serialized once per pair of revisions."""
        state = await self.ring.state()
        id_revision: int | None = None
        id_keys: list[dict[str, Any]] = []
        if self.id_token_ring is not self.ring and await self._id_ring_in_use():
            id_state = await self.id_token_ring.state()
            id_revision = id_state.revision
            id_keys = self.id_token_ring.policy.jwks(id_state)["keys"]
        if (state.revision, id_revision) != self._jwks_for:
            jwks: dict[str, Any] = self.ring.policy.jwks(state)
            jwks["keys"] = [*jwks["keys"], *id_keys]
            self._jwks_json = json.dumps(jwks, separators=(",", ":")).encode()
            self._jwks_for = (state.revision, id_revision)
        return self._jwks_json

    async def _id_ring_in_use(self) -> bool:
        """Whether any replica has made the ID-token ring (looked up at most once per
        JWKS reload interval until it has)."""
        now = time.monotonic()
        if not self._id_ring_exists and now - self._id_ring_checked_at >= self._id_ring_recheck:
            self._id_ring_checked_at = now
            self._id_ring_exists = await DatabaseKeyStore.exists(self._database, _ID_TOKEN_RING_ROW)
        return self._id_ring_exists

    async def id_token_verifier(self) -> Verifier:
        """A Verifier for ID tokens this server issued (an ``id_token_hint`` at logout); the
        caller decides whether an expired one still says who the user is."""
        jwks = self.id_token_ring.policy.jwks(await self.id_token_ring.state())
        return Verifier(
            KeySet.from_dict(jwks),
            algorithms=[ID_TOKEN_ALG],
            issuer=self._issuer,
            required=("sub", "aud"),
            options={"verify_exp": False, "verify_iat": False, "verify_aud": False},
            clock=self._clock,
        )

    async def reload_for_unknown_key(self) -> bool:
        """A token names a key (or algorithm) this replica's ring lacks: another replica may
        have rotated since the last reload. Re-read the ring, at most once a second (random
        kids must not turn every request into a database read); True if it was re-read."""
        now = time.monotonic()
        if now - self._forced_reload_at < _FORCED_RELOAD_SECONDS:
            return False
        self._forced_reload_at = now
        await self.ring.reload()
        await self._refresh()
        return True

    async def rotate(self, *, actor: str | None) -> Key:
        """Rotate now (the next key signs from here on); audited with ``actor``."""
        token = _ACTOR.set(actor or "admin")
        try:
            key = await self.ring.rotate()
        finally:
            _ACTOR.reset(token)
        await self._refresh()
        return key

    async def records(self) -> tuple[KeyRecord, ...]:
        return await self.ring.records()

    async def _refresh(self) -> None:
        state = await self.ring.state()
        if state.revision == self._derived_for:
            return
        jwks: dict[str, Any] = self.ring.policy.jwks(state)
        public = KeySet.from_dict(jwks)
        algorithms = sorted({record.key.alg for record in state.records if record.key.alg})
        self._verifier = Verifier(
            public,
            algorithms=algorithms,
            issuer=self._issuer,
            typ="at+jwt",
            required=("exp", "iat", "jti", "sub", "client_id"),
            # Tokens go to many audiences: the server checks whose they are itself. The `iat`
            # of a token this server signed cannot be forged, and a replica whose clock runs
            # a little ahead must not have its fresh tokens refused as "issued in the future"
            # by the others; `exp` is still checked exactly.
            options={"verify_aud": False, "verify_iat": False},
            clock=self._clock,
        )
        self._derived_for = state.revision
