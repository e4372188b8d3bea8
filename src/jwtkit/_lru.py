"""A small, bounded least-recently-used map shared by jwtkit's in-memory caches.

Parsed keys (:mod:`jwtkit._key_input`), verified tokens (:mod:`jwtkit._token_cache`) and
revocation answers all need the same thing: remember a bounded number of entries, drop the
least recently used one first. ``OrderedDict`` does the bookkeeping in C; every single
operation is atomic under the GIL, and the one race between two of them (an entry evicted
by another thread between a lookup and its move to the end) is tolerated rather than locked.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["BoundedLRU"]


class BoundedLRU(OrderedDict[Any, Any]):
    """An LRU of at most ``maxsize`` entries; ``None`` is never a stored value."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def recall(self, cache_key: Any) -> Any:
        """The cached value (now the most recently used) or None."""
        value = self.get(cache_key)
        if value is not None:
            try:  # noqa: SIM105 - a context manager would cost more than the lookup
                self.move_to_end(cache_key)
            except KeyError:  # another thread evicted it meanwhile; the value is still good
                pass
        return value

    def remember(self, cache_key: Any, value: Any) -> Any:
        self[cache_key] = value
        while len(self) > self.maxsize:
            try:
                self.popitem(last=False)
            except KeyError:  # another thread emptied it first
                break
        return value

    def forget(self, cache_key: Any) -> None:
        self.pop(cache_key, None)
