"""Apply the shipped Alembic migrations: at server start and from ``jwtkit admin db``.

Migrations run inside one transaction. On PostgreSQL that transaction first takes an
advisory lock, so when several replicas start together exactly one migrates and the others
wait, then find nothing left to do. (SQLite's ``BEGIN IMMEDIATE`` serializes them already.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from .engine import Database

__all__ = ["current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Any 64-bit number, the same in every replica: "jwtkit" in ASCII.
_ADVISORY_LOCK_KEY = 0x6A77746B6974


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(database: Database) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; return (revision before, revision after)."""

    def run(connection: Connection) -> tuple[str | None, str]:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(_config(connection), "head")
        return before, head_revision()

    async with database.engine.begin() as connection:
        return await connection.run_sync(run)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at (None: never migrated)."""

    def read(connection: Connection) -> Any:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        revision: str | None = await connection.run_sync(read)
        return revision
