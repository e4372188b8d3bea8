"""Rate-limit counters in this process's memory: a ``limits`` storage whose cost per call
does not grow with the number of counters it holds.

Why not ``limits``' own MemoryStorage: on a hit it starts a sweep of *every* key it holds
(whenever no sweep is running), so each hit cost time in proportion to the keys held, with
the event loop blocked meanwhile: 0.02 ms with no other key, 0.8 ms with 10,000, 11 ms with
100,000 (``uv run python -m benchmarks.ratelimit``). Anyone can add keys — every username
tried is a counter, every address that logged in is remembered for 30 days — so a server on
its default limiter slowed with its own success and could be slowed on purpose.

Here a counter's deadline goes on a heap when the counter is created, and a counter past its
deadline reads as absent whether or not it has been dropped yet. Every call first pops at
most ``_DROPS_PER_CALL`` deadlines that have passed and drops those counters: a call adds
at most two counters and drops up to 64, so the heap keeps up, and when 100,000 counters
expire in the same second no single call pays for all of them. Each call costs O(log n).
The heap holds at most one deadline per key: a counter cleared and made again (a flag
renewed at every login) keeps its one entry, which is moved to the new deadline when the
old one comes due. The memory held is the live windows' counters plus, for a counter
cleared before its deadline, its key's entry until that deadline. Every call runs without
awaiting, so on one event loop each is atomic (50 parallel hits are 50 counts), as limits'
atomic storages are.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable

from limits.aio.storage import SlidingWindowCounterSupport, Storage

__all__ = ["InProcessCounts"]

#: How many passed deadlines one call drops at most: bounds a call's pause.
_DROPS_PER_CALL = 64


class InProcessCounts(Storage, SlidingWindowCounterSupport):
    """Fixed counters with a lifetime, and limits' sliding-window counters over them."""

    #: Made here, not from a URI: registered under no scheme.
    STORAGE_SCHEME = None

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._clock = clock if clock is not None else time.time
        #: key -> [count, the time it expires]
        self._counters: dict[str, list[float]] = {}
        #: (expires at, key): at most one per key (``_scheduled`` says which), so a key
        #: cleared and made again a million times holds one entry, not a million.
        self._deadlines: list[tuple[float, str]] = []
        #: key -> the deadline of its entry on the heap.
        self._scheduled: dict[str, float] = {}

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def __len__(self) -> int:
        """How many counters are held, including expired ones not yet dropped."""
        return len(self._counters)

    @property
    def deadlines_held(self) -> int:
        """How many deadlines the heap holds: at most one per key it has seen alive."""
        return len(self._deadlines)

    # -- fixed counters (limits' Storage) ---------------------------------------------------

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self._now()
        return self._add(key, amount, now=now, expires_at=now + expiry)

    async def get(self, key: str) -> int:
        return self._count(key, self._now())

    async def get_expiry(self, key: str) -> float:
        now = self._now()
        counter = self._live(key, now)
        return counter[1] if counter is not None else now

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        held = len(self._counters)
        self._counters.clear()
        self._deadlines.clear()
        self._scheduled.clear()
        return held

    async def clear(self, key: str) -> None:
        self._counters.pop(key, None)

    # -- sliding windows (limits' SlidingWindowCounterSupport) -------------------------------

    async def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        """Count ``amount`` in the current window if the weighted count of it and the
        previous window stays within ``limit`` (limits' rule, floor of the weighted count)."""
        if amount > limit:
            return False
        now = self._now()
        previous, previous_ttl, current, current_ttl = self._window(key, expiry, now)
        if math.floor(previous * previous_ttl / expiry + current) + amount > limit:
            return False
        # The current window's count is read until the next window ends.
        self._add(_window_key(key, expiry, now, 0), amount, now=now, expires_at=now + current_ttl)
        return True

    async def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self._window(key, expiry, self._now())

    async def clear_sliding_window(self, key: str, expiry: int) -> None:
        now = self._now()
        self._counters.pop(_window_key(key, expiry, now, -1), None)
        self._counters.pop(_window_key(key, expiry, now, 0), None)

    # -- the store ---------------------------------------------------------------------------

    def _window(self, key: str, expiry: int, now: float) -> tuple[int, float, int, float]:
        """(previous window's count, seconds its weight lasts, current window's count,
        seconds until the current count is forgotten), as limits' strategies read them."""
        left_in_window = expiry - now % expiry
        previous = self._count(_window_key(key, expiry, now, -1), now)
        current = self._count(_window_key(key, expiry, now, 0), now)
        return previous, left_in_window if previous else 0.0, current, left_in_window + expiry

    def _now(self) -> float:
        """The time, after dropping up to ``_DROPS_PER_CALL`` counters whose deadline has
        passed (the rest go in later calls; until then they read as absent)."""
        now = self._clock()
        deadlines = self._deadlines
        for _ in range(_DROPS_PER_CALL):
            if not deadlines or deadlines[0][0] > now:
                break
            deadline, key = heapq.heappop(deadlines)
            if self._scheduled.get(key) != deadline:
                continue  # superseded by an earlier deadline of the same key
            del self._scheduled[key]
            counter = self._counters.get(key)
            if counter is None:
                continue  # cleared
            if counter[1] <= now:
                del self._counters[key]
            else:  # cleared and made again since: its entry follows its new deadline
                self._schedule(key, counter[1])
        return now

    def _schedule(self, key: str, deadline: float) -> None:
        heapq.heappush(self._deadlines, (deadline, key))
        self._scheduled[key] = deadline

    def _live(self, key: str, now: float) -> list[float] | None:
        """The counter at ``key`` unless it is missing or past its deadline."""
        counter = self._counters.get(key)
        return counter if counter is not None and counter[1] > now else None

    def _count(self, key: str, now: float) -> int:
        counter = self._live(key, now)
        return int(counter[0]) if counter is not None else 0

    def _add(self, key: str, amount: int, *, now: float, expires_at: float) -> int:
        counter = self._live(key, now)
        if counter is None:  # a new one, or a fresh start over an expired one not yet dropped
            counter = self._counters[key] = [0, expires_at]
            scheduled = self._scheduled.get(key)
            if scheduled is None or expires_at < scheduled:
                self._schedule(key, expires_at)
            # else the key's entry comes due first, and is then moved to this deadline
        counter[0] += amount
        return int(counter[0])


def _window_key(key: str, expiry: int, now: float, offset: int) -> str:
    """The counter of the window ``offset`` windows from the one ``now`` falls in."""
    return f"{key}/{int(now // expiry) + offset}"
