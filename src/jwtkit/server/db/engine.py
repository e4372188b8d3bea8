"""The database connection: one async engine per process, short transactions, both engines.

SQLite runs in WAL mode and starts every transaction with ``BEGIN IMMEDIATE``: a transaction
that reads and then writes would otherwise be refused with "database is locked" when another
connection wrote in between; taking the write lock up front turns that into a short wait
(``busy_timeout``). PostgreSQL uses asyncpg with a pre-ping, so a connection the database
dropped is replaced instead of failing a request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ..settings import async_database_url

__all__ = ["Database"]

_SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """The engine and a factory of sessions; ``transaction()`` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            options.update(pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=10)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the sqlite3 module's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
