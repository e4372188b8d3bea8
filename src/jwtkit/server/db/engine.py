"""The database connection: one async engine per process, short transactions, both engines.

SQLite runs in WAL mode and starts every transaction with ``BEGIN IMMEDIATE``: a transaction
that reads and then writes would otherwise be refused with "database is locked" when another
connection wrote in between; taking the write lock up front turns that into a short wait
(``busy_timeout``). PostgreSQL uses asyncpg, a ping of a pooled connection that sat idle,
so one the database dropped meanwhile is replaced instead of failing a request, and (when
serving) a bound on every connect and query, so a database that went silent costs a request
seconds, not forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import stat
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ..settings import async_database_url

log = logging.getLogger("jwtkit.server")

__all__ = ["DATABASE_UNAVAILABLE", "Database"]

#: What a query raises when the database cannot answer now (down, unreachable, too slow, the
#: pool exhausted): the server answers 503 ``temporarily_unavailable`` and tries again later.
#: (A DBAPIError can also be a constraint violation; callers that care check for that first.)
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    DBAPIError,
    PoolTimeoutError,
    OSError,
    asyncio.TimeoutError,
)

_SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A pooled PostgreSQL connection idle at least this long is pinged before it is lent out.
_PING_AFTER_IDLE_SECONDS = 1.0
#: Where a pooled connection's record keeps when it was last returned to the pool.
_IDLE_SINCE = "jwtkit_idle_since"
#: The execution option marking SQLite's autocommit reads (see ``_on_begin``).
_AUTOCOMMIT = "jwtkit_autocommit"


class Database:
    """The engine and a factory of sessions; ``transaction()`` is the unit of work."""

    def __init__(self, url: str, *, echo: bool = False, timeout: float | None = None) -> None:
        """``timeout`` bounds each PostgreSQL connect and query (None: unbounded, for
        migrations); a database that stops answering then fails a request, not hangs it."""
        self.url = async_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            # Waiting for a free pooled connection is bounded like the rest: a burst against
            # a silent database answers 503 after ``timeout``, not after a queue of them.
            options.update(pool_size=10, max_overflow=10, pool_timeout=timeout or 10)
            if timeout is not None:
                options["connect_args"] = {"timeout": timeout, "command_timeout": timeout}
        url_parts = make_url(self.url)
        if self.is_sqlite and "uri" not in url_parts.query:  # with uri=true, not a path
            _create_private(url_parts.database)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine)
            if timeout is not None:
                _discard_on_timeout(self.engine)
                _bound_on_the_server(self.engine, timeout)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads of one statement need no transaction: on PostgreSQL a transaction is two more
        # round trips (BEGIN, COMMIT), on SQLite it would take the write lock (BEGIN
        # IMMEDIATE, below). The same pool, its connections in autocommit while lent out.
        reader = self.engine.execution_options(
            **({_AUTOCOMMIT: True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"})
        )
        self._readers = async_sessionmaker(reader, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for a read of *one* statement, outside any transaction: it sees what
        was committed when it runs and holds no lock. Several statements that must agree
        with each other, and every write, belong in :meth:`transaction`."""
        async with self._readers() as session:
            yield session

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def clock_offset(self) -> float | None:
        """Seconds this process's clock is ahead of PostgreSQL's (None on SQLite, which has
        no clock of its own): replicas compare against one reference at start."""
        if self.is_sqlite:
            return None
        async with self.engine.connect() as connection:
            before = time.time()
            database_now = await connection.scalar(
                text("SELECT extract(epoch FROM clock_timestamp())")
            )
            after = time.time()
        return (before + after) / 2 - float(database_now)

    async def close(self) -> None:
        await self.engine.dispose()


def _create_private(path: str | None) -> None:
    """Create a new SQLite database file readable by its owner only (0600): it holds password
    hashes, client secrets' digests and the sealed signing keys, and SQLite would create it
    world-readable under the usual umask. Its -wal and -shm files take the file's mode.
    An existing file keeps its mode (an operator may have chosen it; a warning names it, and
    its -wal and -shm files, when other users may read them), and so does the target of a
    symlink; a symlink to no file yet gets its target created 0600. A ``file:`` name or a
    URL with ``uri=true`` (where the file SQLite opens is not the path) is left to SQLite,
    as is a missing directory (SQLite says so). In-memory URLs never get here: they are
    refused."""
    if not path or path.startswith("file:"):
        return
    if os.path.islink(path) and not os.path.exists(path):
        path = os.path.realpath(path)  # a dangling link: SQLite would create its target
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _warn_if_shared(path)
    except OSError:  # SQLite will say what is wrong
        pass


#: Database files already warned about by this process (it opens several engines).
_warned: set[str] = set()


def _warn_if_shared(path: str) -> None:
    if os.name != "posix" or path in _warned:
        return
    shared: dict[str, int] = {}
    for name in (path, f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(OSError):  # absent (or unreadable: SQLite will say so)
            mode = os.stat(name).st_mode
            if stat.S_ISREG(mode) and mode & 0o077:
                shared[name] = stat.S_IMODE(mode)
    if shared:
        _warned.add(path)
        log.warning(
            "%s can be read or written by other users: the database holds password hashes "
            "and the sealed signing keys; make it private with  chmod 600 %s",
            ", ".join(f"{name} (mode {mode:o})" for name, mode in shared.items()),
            " ".join(shlex.quote(name) for name in shared),
        )


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection before lending it out, if it sat idle for a second or more.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip and ~0.3 ms of CPU
    per transaction, a tenth of a refresh's. A connection returned a moment ago was alive a
    moment ago; the ones a restart or an idle timeout kills are those that sat in the pool.
    One the database drops while in use fails its request (503), and SQLAlchemy then
    replaces every connection of the pool older than that failure, so service resumes with
    the next request, as it does after a ping fails here. A connection never lent out
    (fresh, or replaced) is not pinged. One whose socket asyncpg has already seen closed
    is replaced at checkout however short its idle time, with no round trip."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            # asyncpg saw the socket close (a restart, pg_terminate_backend): costs nothing
            # to know, however briefly the connection sat idle.
            raise InvalidatePoolError("the connection was closed by the database")
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < _PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            dialect = engine.dialect
            if dbapi_connection.driver_connection.is_closed() or (
                isinstance(error, dialect.loaded_dbapi.Error)
                and dialect.is_disconnect(error, dbapi_connection, None)
            ):
                raise InvalidatePoolError(f"ping failed: {type(error).__name__}") from error
            # Alive but slow (a timeout under load): this request fails (503) and only this
            # connection is discarded; replacing the whole pool would add load to a database
            # that is already struggling. Closed at once: a polite close would wait on the
            # silent database for another timeout.
            dbapi_connection.driver_connection.terminate()
            raise
        if not alive:
            raise InvalidatePoolError("ping failed")


def _discard_on_timeout(engine: AsyncEngine) -> None:
    """A statement that timed out leaves its connection in an unknown state, and rolling it
    back (or closing it politely) would wait on the same silent database for another
    timeout: close that connection at once (only that one; the others may be fine) and let
    the request fail, within one ``timeout``."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: Any) -> None:
        if not isinstance(context.original_exception, (asyncio.TimeoutError, TimeoutError)):
            return
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False
        if context.connection is not None:
            context.connection.connection.driver_connection.terminate()


def _bound_on_the_server(engine: AsyncEngine, timeout: float) -> None:
    """PostgreSQL ends a statement that runs longer than ``timeout`` itself. A connection
    closed at once after a timeout (``_discard_on_timeout``) sends no cancel request, and
    the server would otherwise go on running the statement, holding its transaction's locks,
    until it next wrote to the vanished client. Set with SET, not as startup parameters,
    which PgBouncer refuses; a transaction left idle is ended too."""
    statement_ms = max(1, round(timeout * 1000))
    idle_ms = round(max(60.0, 4 * timeout) * 1000)
    settings = (
        f"SET statement_timeout = {statement_ms}; "
        f"SET idle_in_transaction_session_timeout = {idle_ms}"
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(lambda connection: connection.execute(settings))


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
        # A read of one statement (``Database.read``) runs in SQLite's own autocommit: the
        # connection has no implicit BEGIN (isolation_level None) and COMMIT without a
        # transaction does nothing.
        if not connection.get_execution_options().get(_AUTOCOMMIT):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
