"""The in-process rate-limit storage: limits' semantics, memory that follows the live
windows, and no sweep of every key on a hit.

The semantics are checked against ``limits``' own MemoryStorage, driven through the same
sequence of hits, tests and clears under one clock (``time.time`` replaced for both).
"""

from __future__ import annotations

import random

import pytest
from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from jwtkit.server.errors import RateLimitedError
from jwtkit.server.security.in_process_counts import InProcessCounts
from jwtkit.server.security.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_window_lets_the_limit_through_and_refuses_the_next() -> None:
    clock = Clock()
    limiter = SlidingWindowCounterRateLimiter(InProcessCounts(clock))
    item = parse("3/minute")
    assert [await limiter.hit(item, "alice") for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit(item, "bob")  # another key, another count
    assert await limiter.hit(parse("5/minute"), "alice", cost=6) is False  # more than a limit


async def test_the_previous_window_weighs_by_the_time_left_in_the_current_one() -> None:
    clock = Clock(now=1_800_000_000.0 // 60 * 60)  # the start of a window
    limiter = SlidingWindowCounterRateLimiter(InProcessCounts(clock))
    item = parse("10/minute")
    for _ in range(10):
        assert await limiter.hit(item, "k")
    clock.now += 90  # halfway through the next window: the 10 weigh 5
    allowed = [await limiter.hit(item, "k") for _ in range(6)]
    assert allowed == [True] * 5 + [False]
    clock.now += 90  # the start of the window after: the one before it had nothing
    assert [await limiter.hit(item, "k") for _ in range(11)] == [True] * 10 + [False]


async def test_expired_counters_are_dropped_and_memory_follows_the_live_windows() -> None:
    clock = Clock()
    storage = InProcessCounts(clock)
    limiter = SlidingWindowCounterRateLimiter(storage)
    item = parse("5/minute")
    for n in range(1000):
        await limiter.hit(item, "account", str(n))
    assert len(storage) == 1000
    clock.now += 60
    await limiter.hit(item, "another")  # the previous window still weighs: all are kept
    assert len(storage) == 1001
    clock.now += 61  # past the window after each counter's own
    assert await limiter.hit(item, "another")
    # One call drops a bounded number, so no call pays for a thousand expiring at once ...
    assert len(storage) == 1001 + 1 - 64
    # ... and a counter not dropped yet already reads as absent.
    stats = await limiter.get_window_stats(item, "account", "999")
    assert stats.remaining == 5
    for _ in range(20):  # later calls drop the rest
        await limiter.hit(item, "another")
    assert len(storage) == 2  # the other key's previous and current windows
    assert await storage.reset() == 2
    assert len(storage) == 0


async def test_a_counter_past_its_deadline_starts_again_before_it_is_dropped() -> None:
    clock = Clock()
    storage = InProcessCounts(clock)
    for n in range(200):
        await storage.incr(f"k{n}", 10)
    await storage.incr("target", 10, amount=7)  # its deadline is the last of the 201
    clock.now += 11
    assert await storage.incr("target", 10) == 1  # not 8: the old count has expired
    assert await storage.get_expiry("target") == pytest.approx(clock.now + 10)
    for _ in range(10):  # the old heap entry pops and must not drop the new counter
        await storage.get("other")
    assert len(storage) == 1
    assert await storage.get("target") == 1


async def test_a_counter_cleared_and_made_again_keeps_its_new_deadline() -> None:
    clock = Clock()
    storage = InProcessCounts(clock)
    assert await storage.incr("k", 10) == 1
    await storage.clear("k")
    assert await storage.get("k") == 0
    clock.now += 5
    assert await storage.incr("k", 10) == 1  # expires at +15
    clock.now += 6  # past the first deadline, whose heap entry now pops
    assert await storage.get("k") == 1
    assert await storage.get_expiry("k") == pytest.approx(clock.now + 4)
    clock.now += 4
    assert await storage.get("k") == 0


async def test_fifty_hits_without_awaiting_between_them_count_as_fifty() -> None:
    limiter = RateLimiter()
    item = parse("20/minute")
    results = []
    for _ in range(50):
        try:
            await limiter.hit([item], "k")
            results.append(True)
        except RateLimitedError:
            results.append(False)
    assert results == [True] * 20 + [False] * 30


async def test_it_answers_as_limits_own_memory_storage_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A random sequence of hits, tests, clears and clock steps over a few keys and limits:
    allowed or not, and the window stats, the same from both storages."""
    clock = Clock(now=1_800_000_000.0)
    monkeypatch.setattr("time.time", clock)
    ours = SlidingWindowCounterRateLimiter(InProcessCounts())
    theirs = SlidingWindowCounterRateLimiter(MemoryStorage())
    items = [parse("3/second"), parse("5/minute"), parse("2/10 seconds")]
    rng = random.Random(20261130)
    outcomes: set[bool] = set()
    for _ in range(3000):
        item = rng.choice(items)
        key = rng.choice(["a", "b", "c"])
        action = rng.random()
        if action < 0.6:
            cost = rng.choice([1, 1, 1, 2])
            allowed = await ours.hit(item, key, cost=cost)
            assert allowed == await theirs.hit(item, key, cost=cost)
            outcomes.add(allowed)
        elif action < 0.8:
            assert await ours.test(item, key) == await theirs.test(item, key)
            ours_stats = await ours.get_window_stats(item, key)
            theirs_stats = await theirs.get_window_stats(item, key)
            assert ours_stats.remaining == theirs_stats.remaining
            assert ours_stats.reset_time == pytest.approx(theirs_stats.reset_time)
        elif action < 0.85:
            await ours.clear(item, key)
            await theirs.clear(item, key)
        else:
            clock.now += rng.choice([0.05, 0.3, 1.0, 4.0, 11.0, 61.0])
    assert outcomes == {True, False}


async def test_a_counter_cleared_and_made_again_keeps_one_deadline_on_the_heap() -> None:
    """A flag renewed at every login (clear, then incr) must not leave an entry per login
    for the flag's whole lifetime: one key, one entry, moved when it comes due."""
    clock = Clock()
    storage = InProcessCounts(clock)
    for _ in range(10_000):
        await storage.clear("flag")
        await storage.incr("flag", 30 * 86400)
        clock.now += 1
    assert len(storage) == 1 and storage.deadlines_held == 1
    clock.now += 30 * 86400 - 10_000 + 5  # past the first deadline, before the last one
    assert await storage.get("flag") == 1  # the entry came due and moved, the flag stayed
    assert storage.deadlines_held == 1
    clock.now += 10_000
    assert await storage.get("flag") == 0
    assert len(storage) == 0 and storage.deadlines_held == 0
