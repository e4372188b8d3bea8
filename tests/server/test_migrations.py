"""The shipped Alembic migrations: they build exactly the schema the models describe, on
both engines, are applied at start and by ``jwtkit admin db``, and run once when many
processes start together."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from jwtkit.server.db import Database
from jwtkit.server.db.migrate import current_revision, head_revision, upgrade
from jwtkit.server.db.models import Base

pytestmark = pytest.mark.anyio


async def test_migrations_build_the_schema_of_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert await current_revision(database) is None
        before, after = await upgrade(database)
        assert (before, after) == (None, head_revision())
        assert await current_revision(database) == head_revision()

        def differences(connection: object) -> list[object]:
            context = MigrationContext.configure(connection)  # type: ignore[arg-type]
            return list(compare_metadata(context, Base.metadata))

        async with database.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
        assert await upgrade(database) == (head_revision(), head_revision())  # idempotent
    finally:
        await database.close()


async def test_replicas_starting_together_migrate_once(database_url: str) -> None:
    databases = [Database(database_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(upgrade(database) for database in databases))
        assert sorted(before is None for before, _ in results) == [False, False, False, True]
        assert {after for _, after in results} == {head_revision()}
    finally:
        for database in databases:
            await database.close()
