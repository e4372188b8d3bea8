"""The client registry when several replicas start at once on one PostgreSQL."""

from __future__ import annotations

import anyio
import asyncpg
import pytest

from jwtkit.server.db import Database
from jwtkit.server.db.migrate import upgrade
from jwtkit.server.services.audit import AuditLog
from jwtkit.server.services.clients import FIRST_PARTY_CLIENT_ID, ClientService

from .conftest import FakeClock, make_settings

pytestmark = pytest.mark.anyio


async def test_replicas_creating_the_first_party_client_at_once_all_start(
    postgres_database: str, clock: FakeClock
) -> None:
    """Found by starting replicas together: both saw no first-party client, both inserted it,
    and the second start crashed on the primary key. Here the other replica's insert is
    held open until this one has looked and inserted too, then committed."""
    settings = make_settings(postgres_database)
    database = Database(postgres_database)
    other_replica = await asyncpg.connect(postgres_database)
    try:
        await upgrade(database)
        service = ClientService(database, settings, None, AuditLog(database, clock), clock)  # type: ignore[arg-type]
        transaction = other_replica.transaction()
        await transaction.start()
        await other_replica.execute(
            "INSERT INTO clients (id, name, secret_hash, grant_types, scopes, audiences,"
            " redirect_uris, is_first_party, created_at)"
            " VALUES ($1, 'other replica', NULL, 'refresh_token', NULL, 'api', '[]', true, 0)",
            FIRST_PARTY_CLIENT_ID,
        )
        created = []

        async def start() -> None:
            created.append(await service.ensure_first_party())

        async with anyio.create_task_group() as group:
            group.start_soon(start)  # sees no row, inserts, waits on the other's key
            for _ in range(600):  # bounded: 30 s
                if await _waiting_on_a_lock(other_replica):
                    break
                await anyio.sleep(0.05)
            await transaction.commit()
        assert created[0].id == FIRST_PARTY_CLIENT_ID
        assert created[0].name == "jwtkit first-party client"  # brought in line, not failed
    finally:
        await other_replica.close()
        await database.close()


async def _waiting_on_a_lock(connection: asyncpg.Connection) -> bool:
    waiting = await connection.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return bool(waiting)
