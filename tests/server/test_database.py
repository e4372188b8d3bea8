"""jwtkit.server.db.Database: reads outside a transaction never break one, and an
in-memory SQLite database (where they would) is refused with a clear error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from jwtkit.server.db import Database
from jwtkit.server.db.models import AuditEvent, Base
from jwtkit.server.settings import async_database_url

from .conftest import make_settings

pytestmark = pytest.mark.anyio


def _event(name: str) -> dict[str, object]:
    return {"at": 1.0, "event": name, "detail": "{}"}


async def test_a_read_during_a_transaction_neither_sees_nor_ends_it(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        seen: list[int] = []
        with pytest.raises(RuntimeError, match="the writer fails"):
            async with database.transaction() as writer:
                await writer.execute(insert(AuditEvent).values(**_event("first")))
                async with database.read() as reader:
                    count = await reader.scalar(select(func.count()).select_from(AuditEvent))
                    seen.append(int(count or 0))
                await writer.execute(insert(AuditEvent).values(**_event("second")))
                raise RuntimeError("the writer fails")
        assert seen == [0]  # never the writer's uncommitted row
        async with database.read() as reader:  # and nothing of the failed writer was kept
            assert await reader.scalar(select(func.count()).select_from(AuditEvent)) == 0
    finally:
        await database.close()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file.db?mode=memory&uri=true"]
)
def test_an_in_memory_sqlite_database_is_refused_by_name(url: str) -> None:
    """The attack (second server review): in memory, SQLAlchemy gives every session one
    shared connection, so a read "outside the transaction" ran inside another session's,
    saw its uncommitted rows and rolled it back half-way; the writer's later statements
    then committed on their own and survived its failure."""
    with pytest.raises(ValueError, match="in-memory SQLite"):
        async_database_url(url)
    with pytest.raises(ValueError, match="in-memory SQLite"):
        Database(url)
    with pytest.raises(ValueError, match="in-memory SQLite"):
        make_settings(url)
