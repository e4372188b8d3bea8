"""One object per running event loop, for long-lived objects used from several loops.

An ``asyncio.Lock`` (or an async Redis client) belongs to the loop it was first used in. Key
sources and revocation checks are often built at import time and then used from several
loops (a test client per test, a worker thread with its own loop), so they keep one value
per running loop, made on first use, and forget the values of loops that have closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["LoopLocal"]

T = TypeVar("T")


class LoopLocal(Generic[T]):
    """``get()`` returns the running loop's value, made by ``factory()`` on first use."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: dict[int, tuple[Any, T]] = {}

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        entry = self._values.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = (loop, self._factory())
            self._values = {
                key: value for key, value in self._values.items() if not value[0].is_closed()
            }
            self._values[id(loop)] = entry
        return entry[1]
