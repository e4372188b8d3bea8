"""The machinery of ``benchmarks.server``: ``jwtkit serve`` replicas on fresh databases, and
a load generator that keeps many requests in flight against them.

A deployment is N ``python -m jwtkit.cli serve`` processes on 127.0.0.1 sharing one database
(a SQLite file in a temporary directory, or a PostgreSQL database made for the run on
``JWTKIT_TEST_POSTGRES_URL``'s server and dropped afterwards) and, if asked, a Redis key prefix
of the run's own. Each process's RSS and CPU time are read from /proc. The load generator is
one asyncio loop in the benchmark process: every connection is a closed loop (send, wait for
the answer, send again), recording each request's latency and status. httpx sets things up
(registering users, the first logins); the timed requests go over ``_wire``'s lean client.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ._wire import Connection, WireError, basic_auth

PASSWORD = "correct horse battery staple"
ISSUER = "http://jwtkit.bench"
#: Rate limits far above what one load generator can send: the benchmark measures the work,
#: not the limiter refusing it (the limiter still counts every request, in memory or Redis).
LIMITS = {
    "JWTKIT_RATE_LIMIT_LOGIN_PER_IP": "10000000/minute",
    "JWTKIT_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "10000000/minute",
    "JWTKIT_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT_ANY_IP": "10000000/minute",
    "JWTKIT_RATE_LIMIT_REGISTER_PER_IP": "10000000/minute",
    "JWTKIT_RATE_LIMIT_TOKEN_PER_IP": "10000000/minute",
}
STARTUP_SECONDS = 90.0


# -- the deployment --------------------------------------------------------------------------


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def rss_kib(self) -> int:
        """VmRSS of the server: its process and any worker processes (Linux /proc)."""
        return sum(_rss_kib(pid) for pid in process_tree(self.process.pid))

    def cpu_seconds(self) -> float:
        """User + system CPU time the server (its process and workers) has used."""
        return tree_cpu_seconds(self.process.pid)

    def event_loop_cpu_seconds(self) -> float:
        """The part of :meth:`cpu_seconds` spent on each process's main thread, where its
        event loop runs; the rest is threads (argon2 hashing, SQLite's connections)."""
        return sum(process_cpu_seconds(pid, thread=pid) for pid in process_tree(self.process.pid))


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``jwtkit serve --workers N`` forks N workers), from
    /proc/PID/task/TID/children."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text(encoding="ascii").split()
        except OSError:  # the task ended meanwhile
            continue
        for child in children:
            found.extend(process_tree(int(child)))
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:  # the process ended meanwhile
        return 0
    raise RuntimeError("no VmRSS line")  # pragma: no cover - not Linux


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its descendants (a server and its workers)."""
    return sum(process_cpu_seconds(each) for each in process_tree(pid))


def process_cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time of process ``pid``, or of its ``thread`` only."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        with open(path, encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # the process ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on JWTKIT_TEST_POSTGRES_URL's server, dropped afterwards."""
    base_url = os.environ.get("JWTKIT_TEST_POSTGRES_URL")
    if not base_url:
        raise SystemExit("--postgres needs JWTKIT_TEST_POSTGRES_URL (postgresql://...)")
    with new_postgres_database(base_url, "jwtkit_bench") as url:
        yield url


@contextlib.contextmanager
def new_postgres_database(base_url: str, prefix: str) -> Iterator[str]:
    """A database of its own (``PREFIX_<random>``) on ``base_url``'s server, dropped with
    whatever still holds it open afterwards; the benchmarks and the test suite both use it."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(base_url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(url, prefix): a key prefix of this run's own on JWTKIT_TEST_REDIS_URL, cleaned up."""
    url = os.environ.get("JWTKIT_TEST_REDIS_URL")
    if not url:
        raise SystemExit("--redis needs JWTKIT_TEST_REDIS_URL (redis://...)")
    import redis

    prefix = f"jwtkit-bench-{uuid.uuid4().hex[:12]}:"
    try:
        yield url, prefix
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@dataclass
class Deployment:
    """Replicas of ``jwtkit serve`` sharing one database (and Redis), plus their environment."""

    replicas: list[Replica]
    env: dict[str, str]
    cwd: Path
    database: str
    redis: bool

    def admin(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "jwtkit.cli", "admin", *args],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"jwtkit admin {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout


@contextlib.contextmanager
def deployment(
    database: str,
    replicas: int,
    use_redis: bool,
    cprofile: Path | None = None,
    workers: int = 1,
) -> Iterator[Deployment]:
    """Start ``replicas`` servers on a fresh ``database`` ("sqlite" or "postgresql"), each
    with ``workers`` worker processes; with ``cprofile``, each runs (one process) under
    cProfile and writes ``replica-N.prof`` there when stopped."""
    cwd = Path(tempfile.mkdtemp(prefix="jwtkit-bench-"))
    with contextlib.ExitStack() as stack:
        env = {
            "JWTKIT_ISSUER": ISSUER,
            "JWTKIT_MASTER_KEY": secrets.token_urlsafe(32),
            # No line per request: the benchmark measures the server, not its terminal.
            "JWTKIT_LOG_LEVEL": "warning",
            **LIMITS,
        }
        if database == "postgresql":
            env["JWTKIT_DATABASE_URL"] = stack.enter_context(postgres_database())
        else:
            env["JWTKIT_DATABASE_URL"] = f"sqlite:///{cwd / 'jwtkit.db'}"
        if use_redis:
            url, prefix = stack.enter_context(redis_prefix())
            env.update(JWTKIT_REDIS_URL=url, JWTKIT_REDIS_PREFIX=prefix)
        started: list[Replica] = []
        try:
            for index in range(replicas):
                port = free_port()
                log = cwd / f"replica-{index}.log"
                command = [sys.executable, "-m", "jwtkit.cli", "serve"]
                if cprofile is not None:
                    output = cprofile / f"replica-{index}.prof"
                    command = [sys.executable, "-c", _PROFILED_SERVE, str(output), "serve"]
                if workers > 1 and cprofile is None:
                    command += ["--workers", str(workers)]
                with log.open("wb") as sink:
                    process = subprocess.Popen(
                        [*command, "--host", "127.0.0.1", "--port", str(port)],
                        cwd=cwd,
                        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                started.append(Replica(process, f"http://127.0.0.1:{port}", log))
            deadline = time.monotonic() + STARTUP_SECONDS * replicas
            for replica in started:
                _wait_until_ready(replica, deadline)
            yield Deployment(started, env, cwd, database, use_redis)
        finally:
            for replica in started:
                _stop(replica.process)
            shutil.rmtree(cwd, ignore_errors=True)


#: ``jwtkit`` under cProfile. uvicorn re-raises SIGTERM after its graceful shutdown; a handler
#: turning it into SystemExit lets cProfile write its file instead of dying with the signal.
_PROFILED_SERVE = """
import cProfile, signal, sys
from jwtkit.cli import main
def stop(*_):
    raise SystemExit(0)
signal.signal(signal.SIGTERM, stop)
output, sys.argv = sys.argv[1], ["jwtkit", *sys.argv[2:]]
cProfile.run("main()", output)
"""


def _wait_until_ready(replica: Replica, deadline: float) -> None:
    while True:
        if replica.process.poll() is not None:
            raise RuntimeError(f"{replica.url} exited:\n{replica.log.read_text()[-3000:]}")
        try:
            if httpx.get(replica.url + "/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{replica.url} did not start:\n{replica.log.read_text()[-3000:]}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# -- the load generator ----------------------------------------------------------------------


@dataclass
class Sample:
    operation: str
    finished: float  # seconds since the phase started
    latency: float  # seconds
    status: int


@dataclass
class Clients:
    """What the requests need: one httpx client per replica (for setting up), users, a
    confidential client, live access tokens to introspect, and one refresh token per
    connection (each connection refreshes its own session, as one app instance would).

    The timed requests go over the lean client of ``_wire``, one keep-alive connection per
    closed loop: the load generator shares the cores with the servers it measures."""

    http: list[httpx.AsyncClient]
    users: list[str]
    client_auth: tuple[str, str]
    access_tokens: list[str] = field(default_factory=list)
    refresh_tokens: dict[int, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(20261130))
    wire: dict[int, Connection] = field(default_factory=dict)

    def pick(self, connection: int) -> httpx.AsyncClient:
        return self.http[connection % len(self.http)]

    def connection(self, index: int) -> Connection:
        found = self.wire.get(index)
        if found is None:
            found = self.wire[index] = Connection(str(self.pick(index).base_url))
        return found

    def fresh(self) -> Clients:
        """The same users, client and tokens over connections of their own."""
        return dataclasses.replace(self, wire={}, refresh_tokens={})

    async def close(self) -> None:
        for connection in self.wire.values():
            await connection.close()
        self.wire.clear()

    async def request(self, operation: str, connection: int) -> int:
        """One request of ``operation`` on ``connection``'s replica; its HTTP status."""
        wire = self.connection(connection)
        if operation == "login":
            response = await wire.post_form(
                "/auth/token",
                {
                    "grant_type": "password",
                    "username": self.rng.choice(self.users),
                    "password": PASSWORD,
                },
            )
        elif operation == "refresh":
            token = self.refresh_tokens.get(connection)
            if token is None:  # this connection's first refresh: its session starts now
                token = await self.login(self.pick(connection))
            response = await wire.post_form(
                "/auth/token", {"grant_type": "refresh_token", "refresh_token": token}
            )
            if response.status_code == 200:
                self.refresh_tokens[connection] = response.json()["refresh_token"]
            else:
                self.refresh_tokens.pop(connection, None)
        elif operation == "client_credentials":
            response = await wire.post_form(
                "/auth/token", {"grant_type": "client_credentials"}, basic_auth(*self.client_auth)
            )
        elif operation == "introspection":
            response = await wire.post_form(
                "/auth/introspect",
                {"token": self.rng.choice(self.access_tokens)},
                basic_auth(*self.client_auth),
            )
            if response.status_code == 200 and response.json().get("active") is not True:
                return 0  # counted as an error: a live token must introspect as active
        elif operation == "jwks":
            response = await wire.get("/.well-known/jwks.json")
        else:
            raise ValueError(operation)
        return response.status_code

    async def login(self, http: httpx.AsyncClient) -> str:
        response = await http.post(
            "/auth/token",
            data={"grant_type": "password", "username": self.users[0], "password": PASSWORD},
        )
        response.raise_for_status()
        body = response.json()
        self.access_tokens.append(body["access_token"])
        return str(body["refresh_token"])


def async_clients(deployment: Deployment, connections: int) -> list[httpx.AsyncClient]:
    per_replica = max(1, -(-connections // len(deployment.replicas)))
    limits = httpx.Limits(max_connections=per_replica, max_keepalive_connections=per_replica)
    return [
        httpx.AsyncClient(base_url=replica.url, limits=limits, timeout=120.0)
        for replica in deployment.replicas
    ]


async def prepare(deployment: Deployment, http: list[httpx.AsyncClient], users: int) -> Clients:
    """Users (registered over HTTP), a confidential client, and live access tokens."""
    created = json.loads(
        deployment.admin(
            "clients",
            "create",
            "bench resource server",
            "--grant-type",
            "client_credentials",
            "--json",
        )
    )
    names = [f"bench-{index}-{secrets.token_hex(3)}" for index in range(users)]
    for name in names:
        response = await http[0].post(
            "/auth/register", json={"username": name, "password": PASSWORD}
        )
        response.raise_for_status()
    clients = Clients(http, names, (created["client_id"], created["client_secret"]))
    for replica in http:
        await clients.login(replica)
    return clients


async def drive(
    clients: Clients,
    choose: Callable[[random.Random], str],
    connections: int,
    seconds: float,
    samples: list[Sample],
    started: float | None = None,
) -> float:
    """Keep ``connections`` requests in flight for ``seconds``; each chooses its operation.
    Appends a Sample per request; returns the elapsed time."""
    origin = time.perf_counter() if started is None else started
    deadline = time.perf_counter() + seconds

    async def connection(index: int) -> None:
        rng = random.Random(index)
        while (now := time.perf_counter()) < deadline:
            operation = choose(rng)
            try:
                status = await clients.request(operation, index)
            except (httpx.HTTPError, WireError):
                status = -1
            done = time.perf_counter()
            samples.append(Sample(operation, done - origin, done - now, status))

    begin = time.perf_counter()
    await asyncio.gather(*(connection(index) for index in range(connections)))
    return time.perf_counter() - begin


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def summary(samples: list[Sample], elapsed: float) -> dict[str, Any]:
    latencies = sorted(sample.latency for sample in samples)
    statuses = Counter(sample.status for sample in samples)
    return {
        "requests": len(samples),
        "rps": len(samples) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.5) * 1e3,
        "p99_ms": percentile(latencies, 0.99) * 1e3,
        "p999_ms": percentile(latencies, 0.999) * 1e3,
        "errors": sum(count for status, count in statuses.items() if status != 200),
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
    }
