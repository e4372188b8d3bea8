"""The access-token denylist: which ``jti``s were revoked before they expired.

The database is the record (``access_tokens.revoked_at``). A :class:`Denylist` answers "is
this jti revoked?" and is told, after each commit, which jtis were just revoked; the
database one needs no telling, a Redis one copies them out for resource servers and the
other replicas to read quickly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select

from ..db import Database
from ..db.models import AccessToken

__all__ = ["DatabaseDenylist", "Denylist", "Revoked"]

#: A revoked access token: its jti and when it expires (after which nobody needs to know).
Revoked = tuple[str, float]


class Denylist(Protocol):
    async def is_revoked(self, jti: str) -> bool:
        """True if the token was revoked (or cannot be vouched for)."""

    async def publish(self, revoked: Sequence[Revoked]) -> None:
        """Tell the denylist about jtis the database has just marked revoked."""


class DatabaseDenylist:
    """The denylist read straight from the ``access_tokens`` table."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def is_revoked(self, jti: str) -> bool:
        async with self._database.transaction() as session:
            row = (
                await session.execute(select(AccessToken.revoked_at).where(AccessToken.jti == jti))
            ).first()
        # A token this server signed has its row until long after it expires; no row means it
        # cannot be vouched for.
        return row is None or row.revoked_at is not None

    async def publish(self, revoked: Sequence[Revoked]) -> None:
        return None
