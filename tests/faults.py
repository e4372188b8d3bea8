"""A TCP proxy the test controls, to make PostgreSQL or Redis go away and come back.

The machine's PostgreSQL and Redis are shared, so a test cannot stop them; it points the
server at this proxy instead and breaks the proxy. ``refuse()`` drops every open connection
and refuses new ones (the service is down); ``hang()`` keeps accepting but never forwards a
byte (the service is unreachable, packets vanish); ``restore()`` forwards again. The proxy
runs its own event loop in a thread, so it works under sync and async tests alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "RedisServer",
    "TcpProxy",
    "port_is_closed",
    "proxied_url",
    "redis_server",
    "target_of",
    "tcp_proxy",
]

Mode = Literal["forward", "refuse", "hang"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode: Mode = "forward"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    # -- control (from the test's thread) ----------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def refuse(self) -> None:
        """Drop every connection and refuse new ones: the service is down."""
        self.mode = "refuse"
        self._call(self._close_all(close_listener=True))

    def hang(self) -> None:
        """Accept connections but forward nothing, and freeze the open ones."""
        self.mode = "hang"

    def restore(self) -> None:
        """Forward again (connections frozen by ``hang`` are dropped: their bytes are lost)."""
        previous, self.mode = self.mode, "forward"
        if previous == "hang":
            self._call(self._close_all(close_listener=False))
        if self._server is None:
            self._call(self._listen())

    def stop(self) -> None:
        self._call(self._close_all(close_listener=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    # -- the proxy (in its own loop) ---------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_all(self, *, close_listener: bool) -> None:
        if close_listener and self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        if self.mode == "refuse":
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(upstream_writer)
        await asyncio.gather(
            self._pipe(reader, upstream_writer),
            self._pipe(upstream_reader, writer),
            return_exceptions=True,
        )
        for side in (writer, upstream_writer):
            self._writers.discard(side)
            with contextlib.suppress(Exception):
                side.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            while self.mode == "hang":  # swallow everything until restored (or dropped)
                if writer.transport.is_closing():
                    return
                await asyncio.sleep(0.05)
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(Exception):
            writer.write_eof()


@contextmanager
def tcp_proxy(target_host: str, target_port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def proxied_url(url: str, proxy: TcpProxy) -> str:
    """``url`` (postgresql://, redis://) with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def target_of(url: str) -> tuple[str, int]:
    """The host and port a postgresql:// or redis:// URL points at."""
    parts = urlsplit(url)
    default = 6379 if parts.scheme.startswith("redis") else 5432
    return parts.hostname or "127.0.0.1", parts.port or default


def port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


class RedisServer:
    """A ``redis-server`` of the test's own on a loopback port, for what the shared one must
    not be put through: a restart that loads an older snapshot. :meth:`snapshot` saves the
    data to ``directory``; :meth:`restart` stops the server without saving and starts it
    again, so it comes back with the snapshot and without whatever was written after it."""

    def __init__(self, directory: Path, *config: str) -> None:
        """``config``: more command-line options, such as an ACL that refuses INFO."""
        from serving import free_port

        self.config = config
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        executable = shutil.which("redis-server")
        assert executable is not None, "redis-server is not installed"
        self._process = subprocess.Popen(
            [
                executable,
                *("--bind", "127.0.0.1", "--port", str(self.port)),
                *("--dir", str(self.directory), "--dbfilename", "dump.rdb"),
                *("--save", "", "--appendonly", "no"),
                *self.config,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            assert self._process.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not start in 10 s"
            time.sleep(0.05)

    def snapshot(self) -> None:
        with self.client() as client:
            client.save()

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()  # like a crash: nothing written since the snapshot is saved
        process.wait(timeout=10)

    def client(self) -> Any:
        """A synchronous client (a context manager that closes it)."""
        import redis

        return redis.Redis(port=self.port, socket_timeout=2, decode_responses=True)

    def _answers(self) -> bool:
        import redis

        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False


@contextmanager
def redis_server(directory: Path, *config: str) -> Iterator[RedisServer]:
    server = RedisServer(directory, *config)
    server.start()
    try:
        yield server
    finally:
        server.stop()
