"""An asyncio lock per event loop, for objects that outlive one loop.

An ``asyncio.Lock`` belongs to the loop it was first used in. Key sources are often built at
import time and then used from several loops (a test client per test, a worker thread with
its own loop), so they keep one lock per running loop and forget the locks of closed loops.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["LoopLock"]


class LoopLock:
    """``lock()`` returns the asyncio lock of the running loop."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[Any, asyncio.Lock]] = {}

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        entry = self._locks.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = (loop, asyncio.Lock())
            self._locks = {
                key: value for key, value in self._locks.items() if not value[0].is_closed()
            }
            self._locks[id(loop)] = entry
        return entry[1]
