"""The Redis layout of the access-token denylist: one definition for the writer and the readers.

The authorization server (``jwtkit.server.services.denylist``) writes ``{prefix}revoked:{jti}``
for every revoked, unexpired access token, and the marker ``{prefix}denylist:ready`` once it
has copied its database's whole record into Redis. Resource servers
(``jwtkit.integrations``) read both. A Redis that restarted without persistence, was flushed,
or is read with the wrong prefix has no marker: the absence of a ``revoked`` key then proves
nothing, so :func:`denylist_verdict` refuses to answer instead of letting revoked tokens back
in. Keeping the names and the verdict here means the two sides cannot drift apart.
"""

from __future__ import annotations

from .errors import RevocationCheckError

__all__ = ["REVOKED_KEY_OUTLIVES_TOKEN", "DenylistKeys", "denylist_verdict"]

#: Seconds a ``revoked`` key outlives its token's ``exp``. A resource server checking the
#: denylist accepts a token until ``exp`` plus its leeway, so its leeway may be at most this
#: (the integrations refuse more); it also covers clocks that differ between Redis and them.
REVOKED_KEY_OUTLIVES_TOKEN = 3600


class DenylistKeys:
    """The denylist's key names under one prefix (the server's ``redis_prefix``)."""

    __slots__ = ("_canary", "_copying", "_revoked", "prefix", "ready")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        #: Present only while Redis holds the server's whole record (no expiry).
        self.ready = f"{prefix}denylist:ready"
        self._revoked = f"{prefix}revoked:"
        self._copying = f"{prefix}denylist:copying:"
        self._canary = f"{prefix}denylist:canary:"

    def revoked(self, jti: str) -> str:
        """The key whose presence says the token with this ``jti`` was revoked."""
        return self._revoked + jti

    def copying(self, token: str) -> str:
        """The key one copy of the record sets first and must find still there at its end."""
        return self._copying + token

    def canary(self, process: str) -> str:
        """The key one server process rewrites at every check and expects to read back: a
        Redis that lost writes (restored from an older snapshot, failed over) has another
        value or none."""
        return self._canary + process


def denylist_verdict(listed: object, ready: object) -> bool:
    """Whether a token is revoked, given ``EXISTS`` of its key and of the ready marker.

    A listed token is revoked whatever else is true. An unlisted token is only known to be
    unrevoked while the marker is there; without it, :class:`RevocationCheckError` (callers
    fail closed) until the server has copied its record back in."""
    if listed:
        return True
    if not ready:
        raise RevocationCheckError(
            "The revocation denylist in Redis is not complete (no ready marker: Redis lost its "
            "data, or the prefix differs from the server's)"
        )
    return False
