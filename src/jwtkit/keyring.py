"""Signing keys with a life cycle: next → current → retired → removed.

A :class:`KeyRing` always holds one *current* key (it signs) and one *next* key (already
published, so verifiers have cached it before it signs). ``rotate()`` — by hand, or on its
own once the current key is ``rotate_every`` old — promotes next to current and retires the
old current key; a retired key stays published until every token it can have signed has
expired, then it is removed and its private half is gone. ``ring.jwks()`` is the public set
(next + current + retired) to serve at ``/.well-known/jwks.json``.

The ring keeps its state behind a two-method :class:`KeyRingStore`; each change is one
compare-and-swap ``save`` of the whole state, so two processes cannot rotate twice and a
crash mid-rotation leaves either the old state or the new one, never a ring without its
current key. A ring also refuses a stored state older than one it has already seen: a backup
written back under a running ring would otherwise bring a removed (perhaps leaked) key back.

The life-cycle rules live in one I/O-free :class:`KeyRingPolicy`; :class:`KeyRing` (a sync
:class:`KeyRingStore`) and :class:`AsyncKeyRing` (an :class:`AsyncKeyRingStore`, such as the
server's database store) are thin shells around it that differ only in how they load and save.
:class:`KeyRingSealer` turns a state into bytes with every key encrypted under JWE
(``dir``/``A256GCM`` under a 32-byte master key, or ``PBES2-HS512+A256KW`` under a
passphrase) and back; :class:`JSONFileKeyStore`, the single-host store, writes those bytes to
one file atomically (write, fsync, rename).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from ._codec import json_dumps, json_loads_object
from ._options import check_duration
from .errors import InvalidKeyError, JWTKitError, KeyRingConflictError, KeyRingError
from .jwa import get_signature_algorithm
from .jwk import Key, OctKey

try:  # advisory file locks exist on POSIX only; elsewhere one process per file is assumed
    import fcntl
except ImportError:  # pragma: no cover - not reached on Linux/macOS
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CURRENT",
    "NEXT",
    "RETIRED",
    "AsyncKeyRing",
    "AsyncKeyRingStore",
    "JSONFileKeyStore",
    "KeyRecord",
    "KeyRing",
    "KeyRingConflictError",
    "KeyRingError",
    "KeyRingPolicy",
    "KeyRingSealer",
    "KeyRingState",
    "KeyRingStore",
    "MemoryKeyStore",
]

NEXT = "next"
CURRENT = "current"
RETIRED = "retired"
_STATES = (NEXT, CURRENT, RETIRED)


@dataclass(frozen=True)
class KeyRecord:
    """One key of the ring and where it is in its life cycle (times in epoch seconds)."""

    key: Key
    state: str
    created_at: float
    activated_at: float | None = None
    retired_at: float | None = None
    #: When a retired key stops being published; None while next or current.
    remove_after: float | None = None

    @property
    def kid(self) -> str:
        assert self.key.kid is not None  # every ring key gets its thumbprint as kid
        return self.key.kid


@dataclass(frozen=True)
class KeyRingState:
    """The whole ring as stored: ``revision`` grows by one with every saved change."""

    revision: int
    records: tuple[KeyRecord, ...]

    def _only(self, state: str) -> KeyRecord | None:
        found = [record for record in self.records if record.state == state]
        return found[0] if found else None

    @property
    def current(self) -> KeyRecord:
        record = self._only(CURRENT)
        if record is None:  # pragma: no cover - check_ring_state refuses such a state
            raise KeyRingError("The key ring has no current key")
        return record

    @property
    def next(self) -> KeyRecord | None:
        return self._only(NEXT)


def check_ring_state(state: KeyRingState) -> KeyRingState:
    """Refuse a state that is not a ring: one current key, at most one next, unique kids."""
    states = [record.state for record in state.records]
    if any(name not in _STATES for name in states):
        raise KeyRingError("Invalid key ring: unknown key state")
    if states.count(CURRENT) != 1:
        raise KeyRingError("Invalid key ring: it must have exactly one current key")
    if states.count(NEXT) > 1:
        raise KeyRingError("Invalid key ring: it has more than one next key")
    kids = [record.key.kid for record in state.records]
    if None in kids or len(set(kids)) != len(kids):
        raise KeyRingError("Invalid key ring: every key needs its own kid")
    if not all(record.key.is_private for record in state.records):
        raise KeyRingError("Invalid key ring: a key has lost its private half")
    return state


class KeyRingStore(Protocol):
    """Where a :class:`KeyRing` keeps its state. Two methods; a database store fits too."""

    def load(self) -> KeyRingState | None:
        """The stored state, or None if nothing has been stored yet."""

    def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        """Store ``state`` atomically, only if the stored revision is still
        ``expected_revision`` (None: nothing stored yet); else raise
        :class:`KeyRingConflictError`."""


class AsyncKeyRingStore(Protocol):
    """The async twin of :class:`KeyRingStore`, for stores behind network I/O (a database)."""

    async def load(self) -> KeyRingState | None:
        """The stored state, or None if nothing has been stored yet."""

    async def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        """As :meth:`KeyRingStore.save`."""


class MemoryKeyStore:
    """A store in process memory: for tests, and for a ring that may die with its process."""

    def __init__(self) -> None:
        self._state: KeyRingState | None = None
        self._lock = threading.Lock()

    def load(self) -> KeyRingState | None:
        return self._state

    def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        with self._lock:
            stored = self._state.revision if self._state is not None else None
            if stored != expected_revision:
                raise KeyRingConflictError("The key ring was changed by another writer")
            self._state = state


# -- the JSON file store ----------------------------------------------------------------------

_FORMAT = "jwtkit-keyring"
_FORMAT_VERSION = 1
_CONTENT_ENCRYPTION = "A256GCM"
_PASSPHRASE_ALGORITHM = "PBES2-HS512+A256KW"
_MASTER_KEY_ALGORITHM = "dir"
#: PBKDF2 iterations for a passphrase (OWASP's 2023 figure for PBKDF2-HMAC-SHA512 is 210,000).
_PASSPHRASE_ITERATIONS = 310_000


def _record_to_json(record: KeyRecord) -> dict[str, Any]:
    return {
        "state": record.state,
        "created_at": record.created_at,
        "activated_at": record.activated_at,
        "retired_at": record.retired_at,
        "remove_after": record.remove_after,
        "jwk": record.key.to_dict(private=True),
    }


def _optional_time(member: Mapping[str, Any], name: str) -> float | None:
    value = member.get(name)
    if value is None:
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise KeyRingError(f"Invalid key ring file: {name!r} must be a finite number")
    return float(value)


def _record_from_json(member: object, index: int) -> KeyRecord:
    if type(member) is not dict or type(member.get("jwk")) is not dict:
        raise KeyRingError(f"Invalid key ring file: key {index} is malformed")
    try:
        key = Key.from_dict(member["jwk"])
    except InvalidKeyError as error:
        raise KeyRingError(f"Invalid key ring file: key {index}: {error}") from None
    created_at = _optional_time(member, "created_at")
    if created_at is None:
        raise KeyRingError(f"Invalid key ring file: key {index} has no 'created_at'")
    return KeyRecord(
        key=key,
        state=member.get("state"),  # type: ignore[arg-type]  # checked by check_ring_state
        created_at=created_at,
        activated_at=_optional_time(member, "activated_at"),
        retired_at=_optional_time(member, "retired_at"),
        remove_after=_optional_time(member, "remove_after"),
    )


class KeyRingSealer:
    """Turns a ring state into bytes with every key encrypted, and back; shared by the stores.

    Give exactly one of ``master_key`` (32 random bytes or an :class:`OctKey` of them:
    ``dir`` + ``A256GCM``) or ``passphrase`` (``PBES2-HS512+A256KW`` + ``A256GCM``; each
    opening derives the key again, which is slow on purpose). The bytes hold
    ``{"format", "version", "revision", "ring": <compact JWE>}``; everything about the keys,
    not only their private halves, is inside the JWE, so it cannot be altered unnoticed.
    """

    def __init__(
        self, *, master_key: bytes | OctKey | None = None, passphrase: str | bytes | None = None
    ) -> None:
        if (master_key is None) == (passphrase is None):
            raise KeyRingError("Give exactly one of master_key or passphrase")
        if master_key is not None:
            # bytes() of an int is that many zero bytes, and of a list its items: only bytes
            # (or an OctKey) are a key; text must be decoded (base64, hex) by the caller.
            if isinstance(master_key, OctKey):
                key = master_key
            elif isinstance(master_key, bytes | bytearray | memoryview):
                key = OctKey(bytes(master_key))
            else:
                raise KeyRingError(
                    f"The master key must be 32 random bytes (A256GCM), not "
                    f"{type(master_key).__name__}: decode a text key (base64, hex) first"
                )
            if len(key.secret) != 32:
                raise KeyRingError("The master key must be 32 random bytes (A256GCM)")
            if len(set(key.secret)) == 1:
                raise KeyRingError("The master key is one byte repeated: a placeholder, not a key")
            self._key: Key = key
            self._algorithm = _MASTER_KEY_ALGORITHM
        else:
            if isinstance(passphrase, str):
                secret = passphrase.encode("utf-8")
            elif isinstance(passphrase, bytes | bytearray | memoryview):
                secret = bytes(passphrase)
            else:
                raise KeyRingError(
                    f"The passphrase must be text or bytes, not {type(passphrase).__name__}"
                )
            if len(secret) < 8:
                raise KeyRingError("The passphrase must be at least 8 characters long")
            self._key = OctKey(bytes(secret))
            self._algorithm = _PASSPHRASE_ALGORITHM

    def seal(self, state: KeyRingState) -> bytes:
        """The state as one JSON document (ending in a newline), its keys encrypted."""
        from . import jwe

        inner = json_dumps(
            {
                "revision": state.revision,
                "keys": [_record_to_json(record) for record in state.records],
            }
        )
        try:
            token = jwe.encrypt(
                inner,
                self._key,
                self._algorithm,
                _CONTENT_ENCRYPTION,
                headers={"p2c": _PASSPHRASE_ITERATIONS} if self._algorithm != "dir" else None,
            )
        except JWTKitError as error:
            raise KeyRingError(f"Could not encrypt the key ring: {error}") from None
        document = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "revision": state.revision,
            "ring": token,
        }
        return json_dumps(document) + b"\n"

    def open(self, data: bytes) -> KeyRingState:
        """The state that :meth:`seal` made; a wrong key or altered bytes raise KeyRingError."""
        from . import jwe

        document = self.parse(data)
        token = document.get("ring")
        if not isinstance(token, str):
            raise KeyRingError("Invalid key ring: 'ring' must be a compact JWE")
        try:
            decrypted = jwe.decrypt(token, self._key, [self._algorithm], [_CONTENT_ENCRYPTION])
        except JWTKitError:
            raise KeyRingError(
                "Could not decrypt the key ring: wrong master key or passphrase, "
                "or the stored ring was altered"
            ) from None
        try:
            inner = json_loads_object(decrypted.plaintext, "key ring")
        except JWTKitError as error:
            raise KeyRingError(str(error)) from None
        revision = inner.get("revision")
        if revision != document.get("revision") or type(revision) is not int:
            raise KeyRingError("Invalid key ring: the revision does not match its contents")
        members = inner.get("keys")
        if type(members) is not list:
            raise KeyRingError("Invalid key ring: 'keys' must be an array")
        records = tuple(_record_from_json(member, index) for index, member in enumerate(members))
        return check_ring_state(KeyRingState(revision, records))

    @staticmethod
    def parse(data: bytes) -> dict[str, Any]:
        """The outer document, unopened (its ``revision`` is readable without the key)."""
        try:
            document = json_loads_object(data, "key ring")
        except JWTKitError as error:
            raise KeyRingError(str(error)) from None
        if document.get("format") != _FORMAT or document.get("version") != _FORMAT_VERSION:
            raise KeyRingError(f"Invalid key ring: not a {_FORMAT} version {_FORMAT_VERSION} file")
        revision = document.get("revision")
        if type(revision) is not int:
            raise KeyRingError("Invalid key ring: 'revision' must be an integer")
        return document


class JSONFileKeyStore:
    """The ring in one JSON file, its keys encrypted at rest with JWE; for a single host.

    ``master_key`` / ``passphrase`` are as for :class:`KeyRingSealer`. Writes go to a
    temporary file in the same directory, are fsynced, then renamed over the old file; an
    advisory lock (POSIX) makes the compare-and-swap safe across processes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        master_key: bytes | OctKey | None = None,
        passphrase: str | bytes | None = None,
    ) -> None:
        self._sealer = KeyRingSealer(master_key=master_key, passphrase=passphrase)
        self._path = Path(path)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        # Decrypting is costly (PBES2 above all): reuse the last state while the file's bytes
        # are the same (a few KiB to compare; file times are too coarse to trust).
        self._cached: tuple[bytes, KeyRingState] | None = None
        self._thread_lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path

    # -- protocol ----------------------------------------------------------------------------

    def load(self) -> KeyRingState | None:
        with self._thread_lock:
            data = self._read_bytes()
            if data is None:
                return None
            if self._cached is not None and self._cached[0] == data:
                return self._cached[1]
            state = self._sealer.open(data)
            self._cached = (data, state)
            return state

    def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        check_ring_state(state)
        with self._thread_lock, self._file_lock():
            data = self._read_bytes()
            stored = None if data is None else self._sealer.parse(data)["revision"]
            if stored != expected_revision:
                raise KeyRingConflictError("The key ring file was changed by another writer")
            data = self._sealer.seal(state)
            self._write_atomically(data)
            self._cached = (data, state)

    # -- the file ----------------------------------------------------------------------------

    def _read_bytes(self) -> bytes | None:
        try:
            return self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise KeyRingError(f"Could not read the key ring file: {error.strerror}") from None

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        try:
            handle = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise KeyRingError(f"Could not lock the key ring file: {error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock

    def _write_atomically(self, data: bytes) -> None:
        directory = self._path.parent
        temporary: str | None = None
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self._path.name}.", suffix=".tmp", dir=directory
            )
            with os.fdopen(handle, "wb") as file:  # mkstemp creates it 0600
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path)
            temporary = None
            directory_handle = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(directory_handle)  # make the rename itself durable
            finally:
                os.close(directory_handle)
        except OSError as error:
            raise KeyRingError(f"Could not write the key ring file: {error.strerror}") from None
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)


# -- the life-cycle rules ---------------------------------------------------------------------


def _seconds(value: float | timedelta, name: str) -> float:
    # A NaN rotate_every would never rotate and a NaN max_token_lifetime never remove.
    return check_duration(value, name, KeyRingError)


#: A change to the ring: the state it applies to and the time, to the state it becomes.
Transform = Callable[[KeyRingState, float], KeyRingState]

_CHANGE_ATTEMPTS = 5


class KeyRingPolicy:
    """What a ring does, with no I/O: creation, rotation, retirement, removal, publication.

    Every method takes the state and the time and returns a state; the shells
    (:class:`KeyRing`, :class:`AsyncKeyRing`) load, apply one of these and compare-and-swap.
    See :class:`KeyRing` for the parameters.
    """

    def __init__(
        self,
        *,
        alg: str = "ES256",
        rotate_every: float | timedelta | None = timedelta(days=30),
        max_token_lifetime: float | timedelta = timedelta(days=1),
        leeway: float | timedelta = 60,
        reload_every: float | timedelta = 60,
    ) -> None:
        algorithm = get_signature_algorithm(alg)
        if algorithm.key_type == "oct":
            raise KeyRingError(
                f"A KeyRing publishes its keys, so it needs an asymmetric algorithm, not {alg}"
            )
        self.alg = alg
        self.rotate_every = None if rotate_every is None else _seconds(rotate_every, "rotate_every")
        if self.rotate_every == 0:
            raise KeyRingError("rotate_every must be positive (or None)")
        self.reload_every = _seconds(reload_every, "reload_every")
        self.retire_for = (
            _seconds(max_token_lifetime, "max_token_lifetime")
            + self.reload_every
            + _seconds(leeway, "leeway")
        )

    def new_record(self, state: str, now: float) -> KeyRecord:
        generated = Key.generate(self.alg)
        key = Key.from_dict({**generated.to_dict(private=True), "use": "sig"})
        activated_at = now if state == CURRENT else None
        return KeyRecord(key=key, state=state, created_at=now, activated_at=activated_at)

    def initial(self, now: float) -> KeyRingState:
        return KeyRingState(0, (self.new_record(CURRENT, now), self.new_record(NEXT, now)))

    def rotated(self, state: KeyRingState, now: float) -> KeyRingState:
        records: list[KeyRecord] = []
        promoted = False
        for record in state.records:
            if record.state == CURRENT:
                record = replace(
                    record, state=RETIRED, retired_at=now, remove_after=now + self.retire_for
                )
            elif record.state == NEXT and record.key.alg == self.alg:
                record = replace(record, state=CURRENT, activated_at=now)
                promoted = True
            elif record.state == NEXT:
                continue  # made for another algorithm: never published as a signer
            records.append(record)
        if not promoted:
            records.append(self.new_record(CURRENT, now))
        records.append(self.new_record(NEXT, now))
        return KeyRingState(state.revision, tuple(records))

    def without(self, kid: str) -> Transform:
        """The change that drops a next or retired key now (for a key that has leaked)."""

        def drop(state: KeyRingState, now: float) -> KeyRingState:
            found = [record for record in state.records if record.kid == kid]
            if not found:
                raise KeyRingError("No key in the ring has this kid")
            if found[0].state == CURRENT:
                raise KeyRingError("The current key cannot be removed: rotate() first")
            kept = tuple(record for record in state.records if record.kid != kid)
            if found[0].state == NEXT:
                kept += (self.new_record(NEXT, now),)
            return KeyRingState(state.revision, kept)

        return drop

    def rotation_due(self, state: KeyRingState, now: float) -> bool:
        if state.current.key.alg != self.alg:
            return True  # the configured algorithm changed: its first key takes over now
        activated_at = state.current.activated_at
        return (
            self.rotate_every is not None
            and now >= (activated_at if activated_at is not None else 0.0) + self.rotate_every
        )

    def expired(self, record: KeyRecord, now: float) -> bool:
        return (
            record.state == RETIRED
            and record.remove_after is not None
            and (now >= record.remove_after)
        )

    def needs_maintenance(self, state: KeyRingState, now: float) -> bool:
        upcoming = state.next
        return (
            self.rotation_due(state, now)
            or upcoming is None
            or upcoming.key.alg != self.alg
            or any(self.expired(record, now) for record in state.records)
        )

    def maintenance(self, state: KeyRingState, now: float) -> KeyRingState:
        """The state with due rotations and removals applied (``state`` itself if none)."""
        if not self.needs_maintenance(state, now):
            return state
        if self.rotation_due(state, now):
            state = self.rotated(state, now)
        kept = tuple(
            record
            for record in state.records
            if not self.expired(record, now)
            and not (record.state == NEXT and record.key.alg != self.alg)
        )
        if not any(record.state == NEXT for record in kept):
            kept += (self.new_record(NEXT, now),)
        return KeyRingState(state.revision, kept)

    def jwks(self, state: KeyRingState) -> dict[str, Any]:
        order = {CURRENT: 0, NEXT: 1, RETIRED: 2}
        records = sorted(state.records, key=lambda record: order[record.state])
        return {"keys": [record.key.public_key().to_dict() for record in records]}

    def step(
        self, stored: KeyRingState | None, transform: Transform, now: float
    ) -> KeyRingState | None:
        """The state to save for ``transform`` on ``stored`` (None: nothing to save)."""
        if stored is not None:
            check_ring_state(stored)
        changed = transform(stored, now) if stored is not None else self.initial(now)
        if stored is not None and changed is stored:
            return None
        return replace(changed, revision=stored.revision + 1 if stored is not None else 1)


class _RingMemory:
    """What a shell remembers between calls: the last state, when it was read, and the
    highest revision ever seen (a store that goes back below it is refused)."""

    def __init__(self, policy: KeyRingPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.state: KeyRingState | None = None
        self.loaded_at = 0.0
        self.highest_revision = 0

    def fresh(self, now: float) -> KeyRingState | None:
        """The remembered state while it is young enough to use without a reload."""
        if self.state is not None and now - self.loaded_at < self.policy.reload_every:
            return self.state
        return None

    def remember(self, state: KeyRingState, now: float) -> KeyRingState:
        if state.revision < self.highest_revision:
            raise KeyRingError(
                f"The key ring store went back from revision {self.highest_revision} to "
                f"{state.revision} (a restored backup?); refusing it, since it may bring back a "
                "removed key. After a deliberate restore, call accept_restored_state()."
            )
        self.state, self.loaded_at = state, now
        self.highest_revision = state.revision
        return state

    def forget(self) -> None:
        self.state, self.loaded_at, self.highest_revision = None, 0.0, 0

    def outdate(self) -> None:
        """Make the next read go to the store, whatever the age of the remembered state."""
        self.loaded_at = float("-inf")


def _ring_policy(
    alg: str,
    rotate_every: float | timedelta | None,
    max_token_lifetime: float | timedelta,
    leeway: float | timedelta,
    reload_every: float | timedelta,
) -> KeyRingPolicy:
    return KeyRingPolicy(
        alg=alg,
        rotate_every=rotate_every,
        max_token_lifetime=max_token_lifetime,
        leeway=leeway,
        reload_every=reload_every,
    )


class KeyRing:
    """Signing keys with a life cycle, kept in a :class:`KeyRingStore`.

    ``alg`` is the signature algorithm of new keys (asymmetric only: the public halves are
    published); when it changes, the ring rotates to a key of the new algorithm at once.
    ``rotate_every`` (None: only by hand) is the current key's lifetime.
    ``max_token_lifetime`` is the longest ``exp - iat`` of tokens you sign; a retired key
    stays published that long after its retirement, plus ``reload_every`` (other processes
    may sign with it until they reload) and ``leeway`` (the verifiers' clock leeway).
    ``clock`` returns epoch seconds; inject one in tests.
    """

    def __init__(
        self,
        store: KeyRingStore,
        *,
        alg: str = "ES256",
        rotate_every: float | timedelta | None = timedelta(days=30),
        max_token_lifetime: float | timedelta = timedelta(days=1),
        leeway: float | timedelta = 60,
        reload_every: float | timedelta = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._policy = _ring_policy(alg, rotate_every, max_token_lifetime, leeway, reload_every)
        self._memory = _RingMemory(self._policy, clock)
        self._lock = threading.RLock()

    # -- public ------------------------------------------------------------------------------

    def signing_key(self) -> Key:
        """The current private key (with ``kid`` and ``alg``); rotates first when it is due."""
        return self._maintained().current.key

    def rotate(self) -> Key:
        """Promote next to current now, retire the old current key; return the new one."""
        with self._lock:
            self._maintained()  # a ring that does not exist yet is created first
            return self._change(self._policy.rotated).current.key

    def remove(self, kid: str) -> None:
        """Drop a next or retired key now, before its time: for a key that has leaked.
        Tokens it signed stop verifying once verifiers refresh their JWKS. The current key
        cannot be removed: ``rotate()`` first."""
        with self._lock:
            self._maintained()
            self._change(self._policy.without(kid))

    def jwks(self) -> dict[str, Any]:
        """The public JWKS to publish: current, next and retired keys, public halves only."""
        return self._policy.jwks(self._maintained())

    def records(self) -> tuple[KeyRecord, ...]:
        """Every key of the ring with its state and times (for inspection and tooling)."""
        return self._maintained().records

    def reload(self) -> None:
        """Read the store now rather than after ``reload_every``: another process sharing the
        store has rotated (a token names a key this process has not seen yet)."""
        with self._lock:
            self._memory.outdate()
            self._maintained()

    def accept_restored_state(self) -> None:
        """Forget the revisions seen so far, so that a deliberately restored (older) store
        is accepted on the next read."""
        with self._lock:
            self._memory.forget()

    # -- state -------------------------------------------------------------------------------

    def _maintained(self) -> KeyRingState:
        with self._lock:
            now = self._memory.clock()
            state = self._memory.fresh(now)
            if state is None:
                stored = self._store.load()
                if stored is None:
                    return self._change(self._policy.maintenance)  # creates the ring
                state = self._memory.remember(check_ring_state(stored), now)
            if self._policy.needs_maintenance(state, now):
                state = self._change(self._policy.maintenance)
            return state

    def _change(self, transform: Transform) -> KeyRingState:
        """Apply ``transform`` to the freshest stored state and compare-and-swap it in."""
        for _ in range(_CHANGE_ATTEMPTS):
            now = self._memory.clock()
            stored = self._store.load()
            if stored is not None:
                self._memory.remember(stored, self._memory.loaded_at)
            changed = self._policy.step(stored, transform, now)
            if changed is None:
                assert stored is not None
                return self._memory.remember(stored, now)
            try:
                self._store.save(changed, stored.revision if stored is not None else None)
            except KeyRingConflictError:
                continue  # someone else changed it: redo the change on their state
            return self._memory.remember(changed, now)
        raise KeyRingError("The key ring keeps changing under us; giving up after 5 attempts")

    def __repr__(self) -> str:
        return f"<KeyRing alg={self._policy.alg!r}>"


class AsyncKeyRing:
    """:class:`KeyRing` over an :class:`AsyncKeyRingStore`: the same rules, awaited I/O.

    Between reloads (``reload_every``) every call answers from memory without awaiting the
    store, so signing a token costs no I/O.
    """

    def __init__(
        self,
        store: AsyncKeyRingStore,
        *,
        alg: str = "ES256",
        rotate_every: float | timedelta | None = timedelta(days=30),
        max_token_lifetime: float | timedelta = timedelta(days=1),
        leeway: float | timedelta = 60,
        reload_every: float | timedelta = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._policy = _ring_policy(alg, rotate_every, max_token_lifetime, leeway, reload_every)
        self._memory = _RingMemory(self._policy, clock)
        self._lock: asyncio.Lock | None = None  # made on first use, inside the running loop

    @property
    def policy(self) -> KeyRingPolicy:
        return self._policy

    async def signing_key(self) -> Key:
        """The current private key; rotates first when it is due."""
        return (await self.state()).current.key

    async def rotate(self) -> Key:
        """Promote next to current now, retire the old current key; return the new one."""
        async with self._locked():
            await self._maintained()
            return (await self._change(self._policy.rotated)).current.key

    async def remove(self, kid: str) -> None:
        """As :meth:`KeyRing.remove`."""
        async with self._locked():
            await self._maintained()
            await self._change(self._policy.without(kid))

    async def jwks(self) -> dict[str, Any]:
        """The public JWKS to publish: current, next and retired keys, public halves only."""
        return self._policy.jwks(await self.state())

    async def records(self) -> tuple[KeyRecord, ...]:
        return (await self.state()).records

    async def reload(self) -> None:
        """As :meth:`KeyRing.reload`."""
        async with self._locked():
            self._memory.outdate()
            await self._maintained()

    async def state(self) -> KeyRingState:
        """The ring's state, from memory while fresh (no await on the store)."""
        now = self._memory.clock()
        state = self._memory.fresh(now)
        if state is not None and not self._policy.needs_maintenance(state, now):
            return state
        async with self._locked():
            return await self._maintained()

    def accept_restored_state(self) -> None:
        """As :meth:`KeyRing.accept_restored_state`."""
        self._memory.forget()

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _maintained(self) -> KeyRingState:
        now = self._memory.clock()
        state = self._memory.fresh(now)
        if state is None:
            stored = await self._store.load()
            if stored is None:
                return await self._change(self._policy.maintenance)
            state = self._memory.remember(check_ring_state(stored), now)
        if self._policy.needs_maintenance(state, now):
            state = await self._change(self._policy.maintenance)
        return state

    async def _change(self, transform: Transform) -> KeyRingState:
        for _ in range(_CHANGE_ATTEMPTS):
            now = self._memory.clock()
            stored = await self._store.load()
            if stored is not None:
                self._memory.remember(stored, self._memory.loaded_at)
            changed = self._policy.step(stored, transform, now)
            if changed is None:
                assert stored is not None
                return self._memory.remember(stored, now)
            try:
                await self._store.save(changed, stored.revision if stored is not None else None)
            except KeyRingConflictError:
                continue
            return self._memory.remember(changed, now)
        raise KeyRingError("The key ring keeps changing under us; giving up after 5 attempts")

    def __repr__(self) -> str:
        return f"<AsyncKeyRing alg={self._policy.alg!r}>"
