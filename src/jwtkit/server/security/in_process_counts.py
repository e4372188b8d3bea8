"""Rate-limit counters in this process's memory: a ``limits`` storage whose cost per call
does not grow with the number of counters it holds.

Why not ``limits``' own MemoryStorage: on a hit it starts a sweep of *every* key it holds
(whenever no sweep is running), so each hit cost time in proportion to the keys held, with
the event loop blocked meanwhile: 0.02 ms with no other key, 0.8 ms with 10,000, 11 ms with
100,000 (``uv run python -m benchmarks.ratelimit``). Anyone can add keys — every username
tried is a counter, every address that logged in is remembered for 30 days — so a server on
its default limiter slowed with its own success and could be slowed on purpose.

Here a counter's deadline goes on a heap when the counter is created; every call first pops
the deadlines that have passed and drops those counters. Each call costs O(log n), and the
memory held is what the live windows need. Every call runs without awaiting, so on one
event loop each is atomic (50 parallel hits are 50 counts), as limits' atomic storages are.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable

from limits.aio.storage import SlidingWindowCounterSupport, Storage

__all__ = ["InProcessCounts"]


class InProcessCounts(Storage, SlidingWindowCounterSupport):
    """Fixed counters with a lifetime, and limits' sliding-window counters over them."""

    #: Made here, not from a URI: registered under no scheme.
    STORAGE_SCHEME = None

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self._clock = clock if clock is not None else time.time
        #: key -> [count, the time it expires]
        self._counters: dict[str, list[float]] = {}
        #: (expires at, key), one per counter created; a popped one whose counter was
        #: cleared (or cleared and made again, with a later deadline) is skipped.
        self._deadlines: list[tuple[float, str]] = []

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def __len__(self) -> int:
        """How many counters are held (expired ones go at the next call)."""
        return len(self._counters)

    # -- fixed counters (limits' Storage) ---------------------------------------------------

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self._now()
        return self._add(key, amount, expires_at=now + expiry)

    async def get(self, key: str) -> int:
        self._now()
        return self._count(key)

    async def get_expiry(self, key: str) -> float:
        now = self._now()
        counter = self._counters.get(key)
        return counter[1] if counter is not None else now

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        held = len(self._counters)
        self._counters.clear()
        self._deadlines.clear()
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
        self._add(_window_key(key, expiry, now, 0), amount, expires_at=now + current_ttl)
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
        previous = self._count(_window_key(key, expiry, now, -1))
        current = self._count(_window_key(key, expiry, now, 0))
        return previous, left_in_window if previous else 0.0, current, left_in_window + expiry

    def _now(self) -> float:
        """The time, after dropping every counter whose deadline has passed."""
        now = self._clock()
        deadlines = self._deadlines
        while deadlines and deadlines[0][0] <= now:
            _, key = heapq.heappop(deadlines)
            counter = self._counters.get(key)
            if counter is not None and counter[1] <= now:
                del self._counters[key]
        return now

    def _count(self, key: str) -> int:
        counter = self._counters.get(key)  # an expired one went in ``_now``
        return int(counter[0]) if counter is not None else 0

    def _add(self, key: str, amount: int, *, expires_at: float) -> int:
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = [0, expires_at]
            heapq.heappush(self._deadlines, (expires_at, key))
        counter[0] += amount
        return int(counter[0])


def _window_key(key: str, expiry: int, now: float, offset: int) -> str:
    """The counter of the window ``offset`` windows from the one ``now`` falls in."""
    return f"{key}/{int(now // expiry) + offset}"
