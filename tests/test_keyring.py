"""KeyRing: the next → current → retired → removed life cycle, and its stores.

Time is a fake clock (epoch seconds); nothing sleeps. The JSON file store is exercised on a
real file in tmp_path, including a crash in the middle of a rotation.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import jwtkit
from jwtkit import KeyRing, KeySet, Verifier
from jwtkit._compact import parse_header_segment
from jwtkit.keyring import (
    CURRENT,
    NEXT,
    RETIRED,
    JSONFileKeyStore,
    KeyRecord,
    KeyRingConflictError,
    KeyRingError,
    KeyRingState,
    MemoryKeyStore,
    check_ring_state,
)

DAY = 86400.0
MASTER_KEY = bytes(range(32))
PASSPHRASE = "correct horse battery staple"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_ring(store: Any, clock: FakeClock, **options: Any) -> KeyRing:
    options.setdefault("rotate_every", timedelta(days=30))
    options.setdefault("max_token_lifetime", timedelta(hours=1))
    options.setdefault("reload_every", 60)
    options.setdefault("leeway", 60)
    return KeyRing(store, clock=clock, **options)


def states(ring: KeyRing) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {NEXT: [], CURRENT: [], RETIRED: []}
    for record in ring.records():
        result[record.state].append(record.kid)
    return result


def published_kids(ring: KeyRing) -> list[str]:
    return [member["kid"] for member in ring.jwks()["keys"]]


# -- the life cycle -------------------------------------------------------------------------


def test_new_ring_has_a_current_and_a_published_next_key(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock)
    key = ring.signing_key()
    assert key.is_private and key.alg == "ES256" and key.use == "sig"
    now = states(ring)
    assert now[CURRENT] == [key.kid] and len(now[NEXT]) == 1 and now[RETIRED] == []
    assert published_kids(ring) == [key.kid, now[NEXT][0]]


def test_rotate_promotes_next_and_retires_current(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock)
    first = ring.signing_key().kid
    upcoming = states(ring)[NEXT][0]
    clock.advance(10)
    assert ring.rotate().kid == upcoming
    assert ring.signing_key().kid == upcoming
    now = states(ring)
    assert now[RETIRED] == [first] and now[CURRENT] == [upcoming]
    assert len(now[NEXT]) == 1 and now[NEXT][0] not in (first, upcoming)
    retired = next(record for record in ring.records() if record.state == RETIRED)
    assert retired.retired_at == clock.now
    assert retired.remove_after == clock.now + 3600 + 60 + 60
    assert set(published_kids(ring)) == {first, upcoming, now[NEXT][0]}


def test_rotates_automatically_by_age(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock, rotate_every=timedelta(days=7))
    first = ring.signing_key().kid
    upcoming = states(ring)[NEXT][0]
    clock.advance(7 * DAY - 1)
    assert ring.signing_key().kid == first
    clock.advance(1)
    assert ring.signing_key().kid == upcoming  # it had been published for a week already
    assert states(ring)[RETIRED] == [first]


def test_no_automatic_rotation_when_disabled(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock, rotate_every=None)
    first = ring.signing_key().kid
    clock.advance(3650 * DAY)
    assert ring.signing_key().kid == first


def test_retired_key_is_removed_once_its_tokens_have_expired(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock)
    first = ring.signing_key().kid
    ring.rotate()
    clock.advance(3600 + 60 + 60 - 1)
    assert first in published_kids(ring)
    clock.advance(1)
    assert first not in published_kids(ring)
    assert first not in [record.kid for record in ring.records()]


def test_jwks_never_publishes_private_members(clock: FakeClock) -> None:
    for alg in ("ES256", "EdDSA", "PS256"):
        ring = make_ring(MemoryKeyStore(), clock, alg=alg)
        ring.rotate()
        document = ring.jwks()
        assert len(document["keys"]) == 3
        for member in document["keys"]:
            assert not {"d", "p", "q", "dp", "dq", "qi", "k", "priv"} & set(member)
            assert member["alg"] == alg and member["use"] == "sig"
        assert not any(key.is_private for key in KeySet.from_dict(document))


def test_rejects_hmac_ring_whose_secret_would_be_published() -> None:
    with pytest.raises(KeyRingError, match="asymmetric"):
        KeyRing(MemoryKeyStore(), alg="HS256")
    with pytest.raises(jwtkit.UnsupportedAlgorithmError):
        KeyRing(MemoryKeyStore(), alg="none")


def test_rejects_bad_durations() -> None:
    with pytest.raises(KeyRingError, match="rotate_every"):
        KeyRing(MemoryKeyStore(), rotate_every=0)
    with pytest.raises(KeyRingError, match="max_token_lifetime"):
        KeyRing(MemoryKeyStore(), max_token_lifetime=-1)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("rotate_every", float("nan")),  # would never rotate, silently
        ("rotate_every", float("inf")),  # "never" is spelled None
        ("max_token_lifetime", float("nan")),  # retired keys would never be removed
        ("leeway", float("inf")),
        ("reload_every", float("nan")),
        ("reload_every", "60"),
    ],
)
def test_rejects_nan_infinite_or_mistyped_durations(setting: str, value: object) -> None:
    with pytest.raises(KeyRingError, match=setting):
        KeyRing(MemoryKeyStore(), **{setting: value})


def test_a_nan_rotation_period_does_not_silently_stop_rotation(clock: FakeClock) -> None:
    with pytest.raises(KeyRingError, match="rotate_every"):
        ring = make_ring(MemoryKeyStore(), clock, rotate_every=float("nan"))
        first = ring.signing_key().kid
        clock.advance(3650 * DAY)
        assert ring.signing_key().kid != first


def test_tokens_survive_rotation_until_they_expire(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock)

    def sign() -> str:
        return jwtkit.encode(
            {"sub": "alice", "iat": int(clock.now), "exp": int(clock.now) + 3600},
            ring.signing_key(),
        )

    def verifier() -> Verifier:
        return Verifier(KeySet.from_dict(ring.jwks()), algorithms=["ES256"], clock=clock)

    old_token = sign()
    clock.advance(600)
    ring.rotate()
    new_token = sign()
    old_kid = jwtkit.get_unverified_header(old_token)["kid"]
    assert old_kid != jwtkit.get_unverified_header(new_token)["kid"]
    assert verifier().verify(old_token)["sub"] == "alice"
    assert verifier().verify(new_token)["sub"] == "alice"
    clock.advance(3600 + 60 + 60)  # old_token expired; its key is removed from the ring
    with pytest.raises(jwtkit.KeyNotFoundError):
        verifier().verify(old_token)
    with pytest.raises(jwtkit.ExpiredSignatureError):
        Verifier(KeySet.from_dict(ring.jwks()), algorithms=["ES256"]).verify(
            new_token, now=clock.now + 3600
        )


def test_next_key_is_published_before_it_signs(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock, rotate_every=timedelta(days=1))
    published_before = set(published_kids(ring))
    for _ in range(5):
        clock.advance(DAY)
        signer = ring.signing_key().kid
        assert signer in published_before
        published_before = set(published_kids(ring))


# -- sharing one store (several processes) ---------------------------------------------------


def test_two_rings_on_one_store_rotate_once(clock: FakeClock) -> None:
    store = MemoryKeyStore()
    ring_a = make_ring(store, clock, rotate_every=timedelta(days=1))
    ring_b = make_ring(store, clock, rotate_every=timedelta(days=1))
    assert ring_a.signing_key().kid == ring_b.signing_key().kid
    clock.advance(DAY)
    rotated = ring_a.signing_key().kid
    assert ring_b.signing_key().kid == rotated  # b saw a's rotation instead of rotating again
    assert len(ring_b.records()) == 3
    assert store.load() is not None and store.load().revision == 2  # type: ignore[union-attr]


def test_ring_reloads_what_another_process_rotated(clock: FakeClock) -> None:
    store = MemoryKeyStore()
    ring_a = make_ring(store, clock, reload_every=60)
    ring_b = make_ring(store, clock, reload_every=60)
    before = ring_b.signing_key().kid
    after = ring_a.rotate().kid
    assert ring_b.signing_key().kid == before  # its cached state is still valid for a while
    clock.advance(60)
    assert ring_b.signing_key().kid == after


def test_reload_sees_another_process_rotation_at_once(clock: FakeClock) -> None:
    store = MemoryKeyStore()
    ring_a = make_ring(store, clock, reload_every=60)
    ring_b = make_ring(store, clock, reload_every=60)
    ring_b.signing_key()
    ring_a.rotate()
    after = ring_a.rotate().kid  # twice: a key ring_b has never seen signs now
    assert after not in {record.kid for record in ring_b.records()}
    ring_b.reload()
    assert ring_b.signing_key().kid == after
    assert after in {member["kid"] for member in ring_b.jwks()["keys"]}


def test_memory_store_refuses_a_stale_write(clock: FakeClock) -> None:
    store = MemoryKeyStore()
    ring = make_ring(store, clock)
    ring.signing_key()
    state = store.load()
    assert state is not None
    with pytest.raises(KeyRingConflictError):
        store.save(state, expected_revision=state.revision - 1)
    with pytest.raises(KeyRingConflictError):
        store.save(state, expected_revision=None)


def test_rejects_a_state_that_is_not_a_ring(clock: FakeClock) -> None:
    key = jwtkit.Key.generate("ES256")
    other = jwtkit.Key.generate("ES256")
    two_current = KeyRingState(
        1, (KeyRecord(key, CURRENT, clock.now), KeyRecord(other, CURRENT, clock.now))
    )
    with pytest.raises(KeyRingError, match="exactly one current"):
        check_ring_state(two_current)
    no_current = KeyRingState(1, (KeyRecord(key, NEXT, clock.now),))
    with pytest.raises(KeyRingError, match="exactly one current"):
        check_ring_state(no_current)
    public_only = KeyRingState(1, (KeyRecord(key.public_key(), CURRENT, clock.now),))
    with pytest.raises(KeyRingError, match="private half"):
        check_ring_state(public_only)
    same_kid = KeyRingState(1, (KeyRecord(key, CURRENT, clock.now), KeyRecord(key, NEXT, 0)))
    with pytest.raises(KeyRingError, match="own kid"):
        check_ring_state(same_kid)


# -- the JSON file store ---------------------------------------------------------------------


@pytest.fixture(params=["master_key", "passphrase"])
def file_store_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "master_key":
        return {"master_key": MASTER_KEY}
    return {"passphrase": PASSPHRASE}


def test_file_store_round_trip(
    tmp_path: Path, clock: FakeClock, file_store_options: dict[str, Any]
) -> None:
    path = tmp_path / "keyring.json"
    ring = make_ring(JSONFileKeyStore(path, **file_store_options), clock)
    signer = ring.signing_key()
    ring.rotate()
    reopened = make_ring(JSONFileKeyStore(path, **file_store_options), clock)
    assert [(r.kid, r.state, r.created_at) for r in reopened.records()] == [
        (r.kid, r.state, r.created_at) for r in ring.records()
    ]
    retired = next(r for r in reopened.records() if r.state == RETIRED)
    token = jwtkit.encode({"sub": "alice"}, signer)
    assert jwtkit.decode(token, retired.key.public_key(), algorithms=["ES256"])["sub"] == "alice"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_file_store_keeps_private_keys_encrypted_at_rest(
    tmp_path: Path, clock: FakeClock, file_store_options: dict[str, Any]
) -> None:
    path = tmp_path / "keyring.json"
    ring = make_ring(JSONFileKeyStore(path, **file_store_options), clock)
    ring.rotate()
    content = path.read_text()
    for record in ring.records():
        private = record.key.to_dict(private=True)
        assert private["d"] not in content
        assert record.kid not in content  # not even the metadata is in the clear
    document = json.loads(content)
    assert set(document) == {"format", "version", "revision", "ring"}
    header = parse_header_segment(document["ring"].split(".")[0])
    expected = "dir" if "master_key" in file_store_options else "PBES2-HS512+A256KW"
    assert (header["alg"], header["enc"]) == (expected, "A256GCM")
    if expected.startswith("PBES2"):
        assert header["p2c"] == 310_000


def test_rejects_wrong_master_key(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keyring.json"
    make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock).signing_key()
    with pytest.raises(KeyRingError, match="Could not decrypt"):
        JSONFileKeyStore(path, master_key=bytes(range(1, 33))).load()


def test_rejects_wrong_passphrase(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keyring.json"
    make_ring(JSONFileKeyStore(path, passphrase=PASSPHRASE), clock).signing_key()
    with pytest.raises(KeyRingError, match="Could not decrypt"):
        JSONFileKeyStore(path, passphrase="correct horse battery stapler").load()
    with pytest.raises(KeyRingError, match="Could not decrypt"):  # the other key type
        JSONFileKeyStore(path, master_key=MASTER_KEY).load()


def test_rejects_tampered_ring_file(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keyring.json"
    make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock).rotate()
    document = json.loads(path.read_text())
    segments = document["ring"].split(".")
    flipped = "A" if segments[3][5] != "A" else "B"
    segments[3] = segments[3][:5] + flipped + segments[3][6:]
    path.write_text(json.dumps({**document, "ring": ".".join(segments)}))
    with pytest.raises(KeyRingError, match="Could not decrypt"):
        JSONFileKeyStore(path, master_key=MASTER_KEY).load()


def test_rejects_rolled_back_revision_outside_the_ciphertext(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "keyring.json"
    make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock).rotate()
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "revision": document["revision"] + 5}))
    with pytest.raises(KeyRingError, match="revision"):
        JSONFileKeyStore(path, master_key=MASTER_KEY).load()


@pytest.mark.parametrize(
    "content",
    [b"", b"[]", b'{"format": "other", "version": 1}', b'{"format": "jwtkit-keyring"}'],
)
def test_rejects_a_file_that_is_not_a_key_ring(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "keyring.json"
    path.write_bytes(content)
    with pytest.raises(KeyRingError):
        JSONFileKeyStore(path, master_key=MASTER_KEY).load()


def test_file_store_options_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    with pytest.raises(KeyRingError, match="exactly one"):
        JSONFileKeyStore(path)
    with pytest.raises(KeyRingError, match="exactly one"):
        JSONFileKeyStore(path, master_key=MASTER_KEY, passphrase=PASSPHRASE)
    with pytest.raises(KeyRingError, match="32 random bytes"):
        JSONFileKeyStore(path, master_key=b"too short")
    with pytest.raises(KeyRingError, match="at least 8"):
        JSONFileKeyStore(path, passphrase="short")


@pytest.mark.parametrize(
    "master_key",
    [
        32,  # bytes(32): thirty-two zero bytes, taken as the key
        [0] * 32,  # likewise
        "k" * 32,  # text from an environment variable: a raw TypeError
        bytes(32),  # every byte the same: a placeholder, not a key
        b"\xff" * 32,
    ],
)
def test_a_master_key_must_be_32_random_bytes_not_an_int_text_or_a_placeholder(
    tmp_path: Path, master_key: Any
) -> None:
    with pytest.raises(KeyRingError, match="master key"):
        JSONFileKeyStore(tmp_path / "keyring.json", master_key=master_key)


@pytest.mark.parametrize("passphrase", [12345678, ["a"] * 8, 3.5])
def test_a_passphrase_must_be_text_or_bytes(tmp_path: Path, passphrase: Any) -> None:
    with pytest.raises(KeyRingError, match="passphrase"):
        JSONFileKeyStore(tmp_path / "keyring.json", passphrase=passphrase)


def test_crash_mid_rotation_never_loses_the_current_key(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keyring.json"
    ring = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    current = ring.signing_key().kid
    before = path.read_bytes()

    def crash(source: Any, target: Any) -> None:
        raise OSError(5, "Input/output error")  # the machine dies between write and rename

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyRingError, match="Could not write"):
        ring.rotate()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir() if entry.name.endswith(".tmp")] == []
    survivor = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    assert survivor.signing_key().kid == current
    assert ring.signing_key().kid == current  # the failed rotation left no trace in memory


def test_half_written_temporary_file_is_ignored(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keyring.json"
    ring = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    current = ring.signing_key().kid
    # What a process killed in the middle of a write leaves behind:
    (tmp_path / ".keyring.json.abc123.tmp").write_bytes(b'{"format": "jwtkit-keyr')
    survivor = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    assert survivor.signing_key().kid == current
    survivor.rotate()
    assert make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock).signing_key().kid != (
        current
    )


def test_two_file_stores_on_one_file_do_not_lose_a_rotation(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "keyring.json"
    ring_a = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    ring_b = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    first = ring_a.signing_key().kid
    assert ring_b.signing_key().kid == first
    second = ring_a.rotate().kid
    third = ring_b.rotate().kid  # b's cached state is stale; the swap makes it redo on a's
    assert len({first, second, third}) == 3
    final = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    assert states(final)[RETIRED] == [first, second]
    assert states(final)[CURRENT] == [third]


def test_file_store_refuses_a_stale_write(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "keyring.json"
    store = JSONFileKeyStore(path, master_key=MASTER_KEY)
    make_ring(store, clock).rotate()
    state = store.load()
    assert state is not None
    with pytest.raises(KeyRingConflictError):
        store.save(state, expected_revision=state.revision - 1)


def test_leaked_key_can_be_removed_before_its_time(clock: FakeClock) -> None:
    ring = make_ring(MemoryKeyStore(), clock)
    leaked = ring.signing_key()
    token = jwtkit.encode({"sub": "alice"}, leaked)
    with pytest.raises(KeyRingError, match="rotate"):
        ring.remove(leaked.kid)  # type: ignore[arg-type]
    ring.rotate()
    ring.remove(leaked.kid)  # type: ignore[arg-type]
    assert leaked.kid not in published_kids(ring)
    with pytest.raises(jwtkit.KeyNotFoundError):
        Verifier(KeySet.from_dict(ring.jwks()), algorithms=["ES256"]).verify(token)
    upcoming = states(ring)[NEXT][0]
    ring.remove(upcoming)
    assert upcoming not in published_kids(ring) and len(states(ring)[NEXT]) == 1
    with pytest.raises(KeyRingError, match="No key"):
        ring.remove("no-such-kid")


# -- docs/keyring.md runs as written -------------------------------------------------------------


def test_keyring_doc_examples_run_and_print_what_they_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_doc_blocks: Callable[..., object]
) -> None:
    monkeypatch.chdir(tmp_path)
    run_doc_blocks("docs/keyring.md", minimum=4)


# -- rollback, algorithm change, and the async twin -------------------------------------------


def test_ring_refuses_a_store_that_went_back_to_an_older_revision(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "ring.json"
    ring = make_ring(JSONFileKeyStore(path, master_key=MASTER_KEY), clock)
    ring.signing_key()
    backup = path.read_bytes()  # revision 1
    kids_at_backup = sorted(published_kids(ring))
    ring.rotate()
    leaked = ring.rotate()  # revision 3; this key leaks and is removed
    ring.rotate()
    ring.remove(leaked.kid)  # type: ignore[arg-type]
    path.write_bytes(backup)  # somebody writes the old file back under the running ring
    clock.advance(61)  # the next read is a reload
    with pytest.raises(KeyRingError, match="went back from revision 5 to 1"):
        ring.jwks()
    # A deliberate restore is explicit, and then the older state is served.
    ring.accept_restored_state()
    assert sorted(published_kids(ring)) == kids_at_backup


def test_changing_the_algorithm_rotates_to_a_key_of_the_new_one(clock: FakeClock) -> None:
    store = MemoryKeyStore()
    old = make_ring(store, clock, alg="ES256").signing_key()
    ring = make_ring(store, clock, alg="RS256")
    new = ring.signing_key()
    assert new.alg == "RS256" and new.kid != old.kid
    by_kid = {record.kid: record for record in ring.records()}
    assert by_kid[old.kid].state == RETIRED  # type: ignore[index]
    next_record = next(record for record in ring.records() if record.state == NEXT)
    assert next_record.key.alg == "RS256"  # the ES256 next key is never promoted
    assert old.kid in published_kids(ring)  # still verifies what it signed


class AsyncMemoryStore:
    """An async store over a MemoryKeyStore that counts its loads."""

    def __init__(self) -> None:
        self.inner = MemoryKeyStore()
        self.loads = 0

    async def load(self) -> KeyRingState | None:
        self.loads += 1
        return self.inner.load()

    async def save(self, state: KeyRingState, expected_revision: int | None) -> None:
        self.inner.save(state, expected_revision)


def test_async_ring_follows_the_same_life_cycle(clock: FakeClock) -> None:
    import asyncio

    from jwtkit.keyring import AsyncKeyRing

    async def scenario() -> None:
        store = AsyncMemoryStore()
        ring = AsyncKeyRing(
            store, clock=clock, rotate_every=timedelta(days=30), max_token_lifetime=3600
        )
        first = await ring.signing_key()
        loads = store.loads
        for _ in range(100):
            assert (await ring.signing_key()).kid == first.kid
        assert store.loads == loads  # signing answers from memory between reloads
        second = await ring.rotate()
        assert second.kid != first.kid
        kids = [member["kid"] for member in (await ring.jwks())["keys"]]
        assert first.kid in kids and second.kid in kids
        # A sync ring on the same state sees the same thing.
        sync_ring = make_ring(store.inner, clock)
        assert sync_ring.signing_key().kid == second.kid
        clock.advance(31 * DAY)  # rotation by age, through the async shell
        third = await ring.signing_key()
        assert third.kid not in (first.kid, second.kid)

    asyncio.run(scenario())


def test_async_reload_sees_another_process_rotation_at_once(clock: FakeClock) -> None:
    import asyncio

    from jwtkit.keyring import AsyncKeyRing

    async def scenario() -> None:
        store = AsyncMemoryStore()
        ring_a = AsyncKeyRing(store, clock=clock, reload_every=60)
        ring_b = AsyncKeyRing(store, clock=clock, reload_every=60)
        await ring_b.signing_key()
        await ring_a.rotate()
        after = (await ring_a.rotate()).kid
        assert (await ring_b.signing_key()).kid != after  # still its remembered state
        await ring_b.reload()
        assert (await ring_b.signing_key()).kid == after

    asyncio.run(scenario())


def test_async_ring_refuses_a_rollback_too(clock: FakeClock) -> None:
    import asyncio

    from jwtkit.keyring import AsyncKeyRing

    async def scenario() -> None:
        store = AsyncMemoryStore()
        ring = AsyncKeyRing(store, clock=clock, reload_every=60)
        await ring.signing_key()
        old_state = store.inner.load()
        await ring.rotate()
        store.inner._state = old_state  # the store is rolled back behind the ring's back
        clock.advance(61)
        with pytest.raises(KeyRingError, match="went back"):
            await ring.signing_key()

    asyncio.run(scenario())
