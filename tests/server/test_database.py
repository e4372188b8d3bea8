"""jwtkit.server.db.Database: reads outside a transaction never break one, an in-memory
SQLite database (where they would) is refused with a clear error, and a PostgreSQL connection
killed while pooled is replaced (pinged when it sat idle, else after the one request it
fails)."""

from __future__ import annotations

import asyncio
import contextlib
import stat
import threading
import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, insert, select, text

from jwtkit.server.db import DATABASE_UNAVAILABLE, Database
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


async def test_a_new_sqlite_file_is_private_and_a_shared_one_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """It holds password hashes and the sealed signing keys: a new file is made 0600, and an
    existing file (or -wal/-shm file) other users may read keeps its mode (the operator's
    choice) but is named in one warning per process, with the command that fixes it."""
    new, private = tmp_path / "new.db", tmp_path / "private.db"
    shared = tmp_path / "my shared.db"
    for path, mode in ((shared, 0o644), (private, 0o600), (Path(f"{private}-wal"), 0o640)):
        path.touch()
        path.chmod(mode)  # whatever the umask
    for path in (new, shared, shared, private):  # the server opens several engines
        await Database(f"sqlite:///{path}?timeout=5").close()
    (tmp_path / "directory.db").mkdir()
    with contextlib.suppress(Exception):  # SQLite's own error; no warning about a directory
        await Database(f"sqlite:///{tmp_path / 'directory.db'}").close()
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    # A link to a file not there yet (a volume's data path): its target is made 0600 too.
    link, target = tmp_path / "link.db", tmp_path / "elsewhere" / "target.db"
    target.parent.mkdir()
    link.symlink_to(target)
    await Database(f"sqlite:///{link}").close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == [
        f"{shared} (mode 644) can be read or written by other users: the database holds "
        f"password hashes and the sealed signing keys; make it private with  chmod 600 "
        f"'{shared}'",
        f"{private}-wal (mode 640) can be read or written by other users: the database holds "
        f"password hashes and the sealed signing keys; make it private with  chmod 600 "
        f"{private}-wal",
    ]


async def _backend_pid(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _terminate(url: str, pid: int) -> None:
    """End backend ``pid`` from a connection outside the pool under test."""
    other = await asyncpg.connect(url)
    try:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await other.close()


def _terminate_without_yielding(url: str, pid: int) -> None:
    """End backend ``pid`` while this event loop stays blocked, so the pooled connection
    has not yet read its socket's close when it is next lent out."""
    worker = threading.Thread(target=asyncio.run, args=(_terminate(url, pid),))
    worker.start()
    worker.join(timeout=30)
    time.sleep(0.1)  # the close reaches the pooled connection's socket, unread


async def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(postgres_database)
    try:
        first = await _backend_pid(database)
        # It sat idle long enough to be pinged (the bound made zero to wait no time).
        monkeypatch.setattr("jwtkit.server.db.engine._PING_AFTER_IDLE_SECONDS", 0.0)
        await _terminate(postgres_database, first)
        second = await _backend_pid(database)  # no error: the ping found it dead
        assert second != first
    finally:
        await database.close()


async def test_a_connection_killed_between_uses_fails_one_request_and_the_next_succeeds(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Returned a moment ago and its close not yet read, it is not pinged: the request
    using it fails with an error the server answers with 503, and every pooled connection
    older than that is replaced."""
    monkeypatch.setattr("jwtkit.server.db.engine._PING_AFTER_IDLE_SECONDS", 3600.0)
    database = Database(postgres_database)
    try:
        async with database.transaction() as one, database.transaction() as two:
            pids = [
                int(await one.scalar(text("SELECT pg_backend_pid()")) or 0),
                int(await two.scalar(text("SELECT pg_backend_pid()")) or 0),
            ]
        for pid in pids:
            _terminate_without_yielding(postgres_database, pid)
        with pytest.raises(DATABASE_UNAVAILABLE):
            await _backend_pid(database)
        assert await _backend_pid(database) not in pids
        assert await _backend_pid(database) not in pids
    finally:
        await database.close()


async def test_a_connection_seen_closed_is_replaced_at_checkout_however_short_its_idle(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed a moment after it was returned, but once the driver has seen its socket
    close: replaced before use, so no request fails."""
    monkeypatch.setattr("jwtkit.server.db.engine._PING_AFTER_IDLE_SECONDS", 3600.0)
    database = Database(postgres_database)
    try:
        first = await _backend_pid(database)
        await _terminate(postgres_database, first)
        await asyncio.sleep(0.2)  # the loop reads the socket's close well within this
        second = await _backend_pid(database)
        assert second != first
    finally:
        await database.close()


async def test_a_ping_that_times_out_fails_its_request_and_replaces_no_other_connection(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow database is not a dead one: the pool is not thrown away (a reconnect storm
    onto a database already under load), and the error is one the server answers 503."""
    database = Database(postgres_database)
    try:

        async def hold() -> int:
            async with database.transaction() as session:
                pid = int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)
                await asyncio.sleep(0.2)  # all five are checked out together
                return pid

        before = set(await asyncio.gather(*(hold() for _ in range(5))))
        dialect = database.engine.sync_engine.dialect
        real_ping, timeouts = dialect.do_ping, []

        def slow_ping(connection: object) -> bool:
            if not timeouts:
                timeouts.append(1)
                raise asyncio.TimeoutError("the ping took longer than the timeout")
            return bool(real_ping(connection))

        monkeypatch.setattr(dialect, "do_ping", slow_ping)
        monkeypatch.setattr("jwtkit.server.db.engine._PING_AFTER_IDLE_SECONDS", 0.0)
        with pytest.raises(DATABASE_UNAVAILABLE):
            await _backend_pid(database)
        monkeypatch.setattr("jwtkit.server.db.engine._PING_AFTER_IDLE_SECONDS", 3600.0)
        after = set(await asyncio.gather(*(hold() for _ in range(5))))
        assert len(before - after) <= 1  # the one that timed out, at most
    finally:
        await database.close()


async def test_a_statement_that_timed_out_does_not_go_on_running_on_the_server(
    postgres_database: str,
) -> None:
    """Review: the connection of a timed-out statement is closed at once, which sends
    PostgreSQL no cancel request; without a server-side bound, the statement ran on (4 s
    here) and kept the locks its transaction held. Both are gone at the same bound now."""
    database = Database(postgres_database, timeout=0.5)
    observer = await asyncpg.connect(postgres_database)
    try:
        await observer.execute("CREATE TABLE held (id integer PRIMARY KEY)")
        await observer.execute("INSERT INTO held VALUES (1), (2)")
        holder = await asyncpg.connect(postgres_database)
        holding = holder.transaction()
        await holding.start()
        await holder.execute("UPDATE held SET id = id WHERE id = 2")
        with pytest.raises(DATABASE_UNAVAILABLE):
            async with database.transaction() as session:
                await session.execute(text("UPDATE held SET id = id WHERE id = 1"))
                await session.execute(text("UPDATE held SET id = id WHERE id = 2"))  # waits
        with pytest.raises(DATABASE_UNAVAILABLE):
            async with database.read() as session:
                await session.execute(text("SELECT pg_sleep(4) /* timed out */"))
        await asyncio.sleep(1.0)
        running = await observer.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
            "query LIKE '%pg_sleep(4) /* timed%' "
            "AND pid <> pg_backend_pid()"
        )
        assert running == 0
        # Row 1, locked by the abandoned transaction, is free (a lock wait would time out).
        await observer.execute("SET lock_timeout = '2s'; UPDATE held SET id = id WHERE id = 1")
        await holding.rollback()
        await holder.close()
    finally:
        await observer.close()
        await database.close()
