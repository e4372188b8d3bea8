"""Consent: what a user allowed a third-party client, remembered until revoked.

A client the deployer marked first party never asks. Revoking a consent also revokes the
sessions (refresh families) the user has with that client, so "remove access" means it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, select

from ..db import Database
from ..db.models import Consent, RefreshFamily
from ..errors import NotFoundError
from .audit import AuditLog
from .scopes import join_scopes, parse_scopes
from .tokens import TokenService

__all__ = ["ConsentService"]


class ConsentService:
    def __init__(
        self,
        database: Database,
        tokens: TokenService,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._database = database
        self._tokens = tokens
        self._audit = audit
        self._clock = clock

    async def covers(self, user_id: str, client_id: str, scopes: Iterable[str]) -> bool:
        """Whether the user already allowed this client every one of ``scopes``."""
        async with self._database.transaction() as session:
            row = await session.get(Consent, (user_id, client_id))
        return row is not None and set(scopes) <= set(parse_scopes(row.scope))

    async def grant(self, user_id: str, client_id: str, scopes: Iterable[str]) -> None:
        """Remember that the user allowed these scopes (added to what they allowed before)."""
        async with self._database.transaction() as session:
            row = await session.get(Consent, (user_id, client_id))
            if row is None:
                session.add(
                    Consent(
                        user_id=user_id,
                        client_id=client_id,
                        scope=join_scopes(dict.fromkeys(scopes)),
                        granted_at=self._clock(),
                    )
                )
            else:
                row.scope = join_scopes(dict.fromkeys([*parse_scopes(row.scope), *scopes]))
                row.granted_at = self._clock()
            await self._audit.record(
                session, "consent_granted", user_id=user_id, client_id=client_id
            )

    async def list(self, user_id: str) -> list[Consent]:
        async with self._database.transaction() as session:
            query = select(Consent).where(Consent.user_id == user_id).order_by(Consent.granted_at)
            return list((await session.scalars(query)).all())

    async def revoke(self, user_id: str, client_id: str, *, actor: str | None) -> None:
        """Forget the consent and end the user's sessions with that client."""
        async with self._database.transaction() as session:
            result = await session.execute(
                delete(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFoundError("No such consent")
            await self._tokens.revoke_families(
                session,
                (RefreshFamily.user_id == user_id) & (RefreshFamily.client_id == client_id),
                reason="consent_revoked",
            )
            await self._audit.record(
                session, "consent_revoked", user_id=user_id, client_id=client_id, actor=actor
            )
