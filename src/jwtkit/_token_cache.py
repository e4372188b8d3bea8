"""The verified-token cache of :class:`jwtkit.Verifier` (``cache_size=N``): I/O-free.

A client sends the same access token on every request until it expires; checking its
signature each time is the one expensive step of verification. This cache remembers tokens
that passed every check, keyed by the whole token text, so a repeat costs a dictionary
lookup. It is safe because everything a hit skips is a pure function of the token text and
the Verifier's fixed configuration, except three things that are re-checked on every hit:

* time: ``exp``, ``nbf`` and ``iat`` are turned into a validity window when the token is
  stored, and every hit compares the (injectable) clock against it; outside the window the
  entry is dropped and the token takes the full path, which raises the proper error;
* keys: for a key source (a JWKS client) the entry remembers the key object that verified
  the token, and a hit asks the source again; after a rotation removes or replaces that key,
  the answer is another object and the token takes the full path;
* the caller: every hit returns a fresh copy of the claims, and the stored claims are a copy
  too, so no caller can change what the next caller gets.

A lookup compares whole strings (a dict hit needs equal hash *and* equal text), so a token
that differs in one byte is never served from the cache. Tokens longer than
:data:`MAX_CACHED_TOKEN_LENGTH` are verified but not stored, so the memory held is bounded
by ``maxsize`` times that length plus the claims.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from ._claims import ClaimRules
from ._codec import json_copy
from ._lru import BoundedLRU

__all__ = ["MAX_CACHED_TOKEN_LENGTH", "CacheInfo", "VerifiedTokenCache"]

#: Longer tokens are not stored (an access token is typically under 1 KiB).
MAX_CACHED_TOKEN_LENGTH = 8 * 1024


class CacheInfo(NamedTuple):
    """Counters of a verified-token cache, shaped like ``functools.lru_cache``'s."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class _Entry(NamedTuple):
    claims: dict[str, Any]
    flat: bool  # no list or object values: a shallow copy is a complete copy
    valid_from: float
    valid_until: float
    kid: Any
    keys: Any  # what the key source answered for ``kid``; None for fixed keys


def _window(claims: Mapping[str, Any], rules: ClaimRules) -> tuple[float, float]:
    """The clock readings at which the time checks that passed would still pass."""
    leeway = rules.leeway
    valid_from, valid_until = -math.inf, math.inf
    if rules.check_exp and claims.get("exp") is not None:
        valid_until = float(claims["exp"]) + leeway  # expired once exp <= now - leeway
    for name, enabled in (("nbf", rules.check_nbf), ("iat", rules.check_iat)):
        if enabled and claims.get(name) is not None:
            valid_from = max(valid_from, float(claims[name]) - leeway)
    return valid_from, valid_until


class VerifiedTokenCache:
    """Tokens that passed every check of one Verifier, least recently used dropped first."""

    __slots__ = ("_entries", "hits", "lookups")

    def __init__(self, maxsize: int) -> None:
        self._entries = BoundedLRU(maxsize)
        self.hits = 0
        self.lookups = 0

    def lookup(self, token: object, now: float) -> _Entry | None:
        """The entry for ``token`` if it is stored and ``now`` is inside its window; the
        caller still confirms the key (for a key source) before it calls :meth:`serve`."""
        self.lookups += 1
        entry: _Entry | None = self._entries.recall(token) if type(token) is str else None
        if entry is not None and not entry.valid_from <= now < entry.valid_until:
            self._entries.forget(token)  # the full path will say what is wrong now
            return None
        return entry

    def serve(self, entry: _Entry) -> dict[str, Any]:
        """A hit: a copy of the entry's claims that the caller may change freely."""
        self.hits += 1
        return dict(entry.claims) if entry.flat else json_copy(entry.claims)

    def store(
        self, token: object, claims: dict[str, Any], rules: ClaimRules, kid: Any, keys: Any
    ) -> None:
        """Remember a token that has just passed every check with ``rules``."""
        if type(token) is not str or len(token) > MAX_CACHED_TOKEN_LENGTH:
            return
        stored = json_copy(claims)  # the caller keeps ``claims``; we keep our own
        flat = not any(type(value) in (dict, list) for value in stored.values())
        valid_from, valid_until = _window(stored, rules)
        self._entries.remember(token, _Entry(stored, flat, valid_from, valid_until, kid, keys))

    def info(self) -> CacheInfo:
        hits = self.hits
        return CacheInfo(hits, self.lookups - hits, self._entries.maxsize, len(self._entries))

    def clear(self) -> None:
        self._entries.clear()
