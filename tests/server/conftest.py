"""Fixtures for the server's tests: the app on SQLite and on PostgreSQL, driven over httpx.

Every test that takes ``server`` runs once per database. PostgreSQL tests create a database
of their own (dropped afterwards) on ``JWTKIT_TEST_POSTGRES_URL``; without that variable
they are skipped here, and ``.ci/run`` always sets it, so in CI they run. Time is a fake
clock the test moves; nothing sleeps.
"""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from jwtkit.server.app import create_app
from jwtkit.server.runtime import Runtime
from jwtkit.server.settings import Settings

POSTGRES_URL = os.environ.get("JWTKIT_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("JWTKIT_TEST_REDIS_URL")
MASTER_KEY = "test-master-key-" + "x" * 32
#: Generous limits, so tests that log in often are not throttled (abuse tests set their own).
RELAXED_LIMITS = {
    "rate_limit_login_per_ip": "10000/minute",
    "rate_limit_login_failures_per_account": "10000/minute",
    "rate_limit_login_failures_per_account_any_ip": "10000/minute",
    "rate_limit_register_per_ip": "10000/minute",
    "rate_limit_token_per_ip": "10000/minute",
}


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextmanager
def temporary_postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (skips without one to use)."""
    if not POSTGRES_URL:
        pytest.skip("JWTKIT_TEST_POSTGRES_URL is not set")
    from benchmarks._serve import new_postgres_database

    with new_postgres_database(POSTGRES_URL, "jwtkit_test") as url:
        yield url


@contextmanager
def temporary_redis_prefix() -> Iterator[str]:
    """A Redis key prefix of one's own; its keys are deleted afterwards (skips without Redis)."""
    if not REDIS_URL:
        pytest.skip("JWTKIT_TEST_REDIS_URL is not set")
    import redis

    prefix = f"jwtkit-test-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        try:
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own (its keys are deleted afterwards)."""
    with temporary_redis_prefix() as prefix:
        yield prefix


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jwtkit.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "master_key": MASTER_KEY,
        "issuer": "http://issuer.test",
        **RELAXED_LIMITS,
        # The clock is fake and tests move it by days: a purge runs only when a test asks.
        "purge_interval": 0,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Server:
    """The app under test, an httpx client to it, and its runtime (for arranging state)."""

    client: httpx.AsyncClient
    runtime: Runtime
    clock: FakeClock
    settings: Settings
    passwords: dict[str, str] = field(default_factory=dict)
    app: Any = None

    def client_from(self, address: str) -> httpx.AsyncClient:
        """Another client of the same app, connecting from ``address`` (close it after)."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 40001))
        return httpx.AsyncClient(transport=transport, base_url="http://issuer.test")

    async def register(self, username: str, password: str | None = None) -> dict[str, Any]:
        password = password or secrets.token_urlsafe(12)
        response = await self.client.post(
            "/auth/register", json={"username": username, "password": password}
        )
        assert response.status_code == 201, response.text
        self.passwords[username] = password
        body: dict[str, Any] = response.json()
        return body

    async def login(self, username: str, **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/auth/login",
            json={"username": username, "password": self.passwords[username], **extra},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def create_admin(self, username: str = "root") -> str:
        """An admin user, logged in with the admin scope; returns the access token."""
        password = secrets.token_urlsafe(12)
        await self.runtime.users.create(
            username=username, email=None, password=password, admin=True
        )
        self.passwords[username] = password
        return str((await self.login(username, scope="admin"))["access_token"])

    async def confidential_client(self, *grant_types: str, **options: Any) -> tuple[str, str]:
        client, secret = await self.runtime.clients.create(
            "test client", grant_types=list(grant_types) or ["client_credentials"], **options
        )
        assert secret is not None
        return client.id, secret


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_server(settings: Settings, clock: FakeClock) -> AsyncIterator[Server]:
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://issuer.test") as client:
            yield Server(client, app.state.runtime, clock, settings, app=app)


@pytest.fixture
async def server(database_url: str, clock: FakeClock) -> AsyncIterator[Server]:
    async with running_server(make_settings(database_url), clock) as running:
        yield running


@pytest.fixture
async def sqlite_server(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Server]:
    async with running_server(make_settings(f"sqlite:///{tmp_path / 'j.db'}"), clock) as running:
        yield running
