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
current key. :class:`JSONFileKeyStore` is the single-host store: one JSON file, private keys
encrypted with JWE (``dir``/``A256GCM`` under a 32-byte master key, or
``PBES2-HS512+A256KW`` under a passphrase), written atomically (write, fsync, rename).
"""

from __future__ import annotations

import contextlib
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
    "JSONFileKeyStore",
    "KeyRecord",
    "KeyRing",
    "KeyRingConflictError",
    "KeyRingError",
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
    if type(value) not in (int, float):
        raise KeyRingError(f"Invalid key ring file: {name!r} must be a number")
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


class JSONFileKeyStore:
    """The ring in one JSON file, its keys encrypted at rest with JWE; for a single host.

    Give exactly one of ``master_key`` (32 random bytes or an :class:`OctKey` of them:
    ``dir`` + ``A256GCM``) or ``passphrase`` (``PBES2-HS512+A256KW`` + ``A256GCM``; each
    load of a changed file derives the key again, which is slow on purpose). The file holds
    ``{"format", "version", "revision", "ring": <compact JWE>}``; everything about the keys,
    not only their private halves, is inside the JWE, so it cannot be altered unnoticed.
    Writes go to a temporary file in the same directory, are fsynced, then renamed over the
    old file; an advisory lock (POSIX) makes the compare-and-swap safe across processes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        master_key: bytes | OctKey | None = None,
        passphrase: str | bytes | None = None,
    ) -> None:
        if (master_key is None) == (passphrase is None):
            raise KeyRingError("Give exactly one of master_key or passphrase")
        self._path = Path(path)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        if master_key is not None:
            key = master_key if isinstance(master_key, OctKey) else OctKey(bytes(master_key))
            if len(key.to_dict(private=True)["k"]) != 43:  # base64url of 32 bytes
                raise KeyRingError("The master key must be 32 random bytes (A256GCM)")
            self._key: Key = key
            self._algorithm = _MASTER_KEY_ALGORITHM
        else:
            assert passphrase is not None
            secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
            if len(secret) < 8:
                raise KeyRingError("The passphrase must be at least 8 characters long")
            self._key = OctKey(bytes(secret))
            self._algorithm = _PASSPHRASE_ALGORITHM
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
            state = self._decode(self._parse_document(data))
            self._cached = (data, state)
            return state

    def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        check_ring_state(state)
        with self._thread_lock, self._file_lock():
            stored = self._stored_revision()
            if stored != expected_revision:
                raise KeyRingConflictError("The key ring file was changed by another writer")
            data = self._encode(state)
            self._write_atomically(data)
            self._cached = (data, state)

    # -- encoding ----------------------------------------------------------------------------

    def _encode(self, state: KeyRingState) -> bytes:
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

    def _decode(self, document: dict[str, Any]) -> KeyRingState:
        from . import jwe

        token = document.get("ring")
        if not isinstance(token, str):
            raise KeyRingError("Invalid key ring file: 'ring' must be a compact JWE")
        try:
            decrypted = jwe.decrypt(token, self._key, [self._algorithm], [_CONTENT_ENCRYPTION])
        except JWTKitError:
            raise KeyRingError(
                "Could not decrypt the key ring file: wrong master key or passphrase, "
                "or the file was altered"
            ) from None
        try:
            inner = json_loads_object(decrypted.plaintext, "key ring")
        except JWTKitError as error:
            raise KeyRingError(str(error)) from None
        revision = inner.get("revision")
        if revision != document.get("revision") or type(revision) is not int:
            raise KeyRingError("Invalid key ring file: the revision does not match its contents")
        members = inner.get("keys")
        if type(members) is not list:
            raise KeyRingError("Invalid key ring file: 'keys' must be an array")
        records = tuple(_record_from_json(member, index) for index, member in enumerate(members))
        return check_ring_state(KeyRingState(revision, records))

    # -- the file ----------------------------------------------------------------------------

    def _read_bytes(self) -> bytes | None:
        try:
            return self._path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise KeyRingError(f"Could not read the key ring file: {error.strerror}") from None

    def _parse_document(self, data: bytes) -> dict[str, Any]:
        try:
            document = json_loads_object(data, "key ring file")
        except JWTKitError as error:
            raise KeyRingError(str(error)) from None
        if document.get("format") != _FORMAT or document.get("version") != _FORMAT_VERSION:
            raise KeyRingError(
                f"Invalid key ring file: not a {_FORMAT} version {_FORMAT_VERSION} file"
            )
        return document

    def _stored_revision(self) -> int | None:
        data = self._read_bytes()
        if data is None:
            return None
        revision = self._parse_document(data).get("revision")
        if type(revision) is not int:
            raise KeyRingError("Invalid key ring file: 'revision' must be an integer")
        return revision

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


# -- the ring ---------------------------------------------------------------------------------


def _seconds(value: float | timedelta, name: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise KeyRingError(f"{name} must be a non-negative number of seconds or a timedelta")
    return float(seconds)


class KeyRing:
    """Signing keys with a life cycle, kept in a :class:`KeyRingStore`.

    ``alg`` is the signature algorithm of new keys (asymmetric only: the public halves are
    published). ``rotate_every`` (None: only by hand) is the current key's lifetime.
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
        algorithm = get_signature_algorithm(alg)
        if algorithm.key_type == "oct":
            raise KeyRingError(
                f"A KeyRing publishes its keys, so it needs an asymmetric algorithm, not {alg}"
            )
        self._store = store
        self._alg = alg
        self._rotate_every = (
            None if rotate_every is None else _seconds(rotate_every, "rotate_every")
        )
        if self._rotate_every == 0:
            raise KeyRingError("rotate_every must be positive (or None)")
        self._reload_every = _seconds(reload_every, "reload_every")
        self._retire_for = (
            _seconds(max_token_lifetime, "max_token_lifetime")
            + self._reload_every
            + _seconds(leeway, "leeway")
        )
        self._clock = clock
        self._state: KeyRingState | None = None
        self._loaded_at = 0.0
        self._lock = threading.RLock()

    # -- public ------------------------------------------------------------------------------

    def signing_key(self) -> Key:
        """The current private key (with ``kid`` and ``alg``); rotates first when it is due."""
        return self._maintained().current.key

    def rotate(self) -> Key:
        """Promote next to current now, retire the old current key; return the new one."""
        with self._lock:
            self._maintained()  # a ring that does not exist yet is created first
            state = self._change(self._rotated)
            return state.current.key

    def remove(self, kid: str) -> None:
        """Drop a next or retired key now, before its time: for a key that has leaked.
        Tokens it signed stop verifying once verifiers refresh their JWKS. The current key
        cannot be removed: ``rotate()`` first."""
        with self._lock:
            self._maintained()

            def without(state: KeyRingState, now: float) -> KeyRingState:
                found = [record for record in state.records if record.kid == kid]
                if not found:
                    raise KeyRingError("No key in the ring has this kid")
                if found[0].state == CURRENT:
                    raise KeyRingError("The current key cannot be removed: rotate() first")
                kept = tuple(record for record in state.records if record.kid != kid)
                if found[0].state == NEXT:
                    kept += (self._new_record(NEXT, now),)
                return KeyRingState(state.revision, kept)

            self._change(without)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS to publish: current, next and retired keys, public halves only."""
        state = self._maintained()
        order = {CURRENT: 0, NEXT: 1, RETIRED: 2}
        records = sorted(state.records, key=lambda record: order[record.state])
        return {"keys": [record.key.public_key().to_dict() for record in records]}

    def records(self) -> tuple[KeyRecord, ...]:
        """Every key of the ring with its state and times (for inspection and tooling)."""
        return self._maintained().records

    # -- state -------------------------------------------------------------------------------

    def _maintained(self) -> KeyRingState:
        with self._lock:
            now = self._clock()
            state = self._state
            if state is None or now - self._loaded_at >= self._reload_every:
                state = self._load(now)
            if self._needs_maintenance(state, now):
                state = self._change(self._maintenance)
            return state

    def _load(self, now: float) -> KeyRingState:
        state = self._store.load()
        if state is None:
            state = self._change(self._maintenance)  # creates the ring (or finds another's)
        else:
            check_ring_state(state)
            self._state, self._loaded_at = state, now
        return state

    def _change(self, transform: Callable[[KeyRingState, float], KeyRingState]) -> KeyRingState:
        """Apply ``transform`` to the freshest stored state and compare-and-swap it in."""
        for _ in range(5):
            now = self._clock()
            stored = self._store.load()
            if stored is not None:
                check_ring_state(stored)
            changed = transform(stored, now) if stored is not None else self._initial(now)
            if stored is not None and changed is stored:
                self._state, self._loaded_at = stored, now
                return stored
            changed = replace(changed, revision=stored.revision + 1 if stored else 1)
            try:
                self._store.save(changed, stored.revision if stored is not None else None)
            except KeyRingConflictError:
                continue  # someone else changed it: redo the change on their state
            self._state, self._loaded_at = changed, now
            return changed
        raise KeyRingError("The key ring keeps changing under us; giving up after 5 attempts")

    def _new_record(self, state: str, now: float) -> KeyRecord:
        generated = Key.generate(self._alg)
        key = Key.from_dict({**generated.to_dict(private=True), "use": "sig"})
        activated_at = now if state == CURRENT else None
        return KeyRecord(key=key, state=state, created_at=now, activated_at=activated_at)

    def _initial(self, now: float) -> KeyRingState:
        return KeyRingState(0, (self._new_record(CURRENT, now), self._new_record(NEXT, now)))

    def _rotated(self, state: KeyRingState, now: float) -> KeyRingState:
        records: list[KeyRecord] = []
        promoted = False
        for record in state.records:
            if record.state == CURRENT:
                record = replace(
                    record, state=RETIRED, retired_at=now, remove_after=now + self._retire_for
                )
            elif record.state == NEXT:
                record = replace(record, state=CURRENT, activated_at=now)
                promoted = True
            records.append(record)
        if not promoted:
            records.append(self._new_record(CURRENT, now))
        records.append(self._new_record(NEXT, now))
        return KeyRingState(state.revision, tuple(records))

    def _rotation_due(self, state: KeyRingState, now: float) -> bool:
        activated_at = state.current.activated_at
        return (
            self._rotate_every is not None
            and now >= (activated_at if activated_at is not None else 0.0) + self._rotate_every
        )

    def _expired(self, record: KeyRecord, now: float) -> bool:
        return (
            record.state == RETIRED
            and record.remove_after is not None
            and (now >= record.remove_after)
        )

    def _needs_maintenance(self, state: KeyRingState, now: float) -> bool:
        return (
            self._rotation_due(state, now)
            or state.next is None
            or any(self._expired(record, now) for record in state.records)
        )

    def _maintenance(self, state: KeyRingState, now: float) -> KeyRingState:
        """The state with due rotations and removals applied (``state`` itself if none)."""
        if not self._needs_maintenance(state, now):
            return state
        if self._rotation_due(state, now):
            state = self._rotated(state, now)
        kept = tuple(record for record in state.records if not self._expired(record, now))
        if state.next is None:
            kept += (self._new_record(NEXT, now),)
        return KeyRingState(state.revision, kept)

    def __repr__(self) -> str:
        return f"<KeyRing alg={self._alg!r}>"
