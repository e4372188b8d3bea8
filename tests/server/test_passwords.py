"""The password hasher sheds load instead of queueing without bound: once
JWTKIT_PASSWORD_HASHING_QUEUE checks wait, the next login is a 503 with Retry-After."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from jwtkit.server.errors import TemporarilyUnavailableError
from jwtkit.server.security.passwords import PasswordHashing

from .conftest import FakeClock, Server, make_settings, running_server

pytestmark = pytest.mark.anyio


async def test_checks_beyond_the_queue_are_refused_at_once() -> None:
    hashing = PasswordHashing(memory_kib=19456, time_cost=2, parallelism=1, max_waiting=2)
    stored = await hashing.hash("correct horse battery")
    outcomes: list[str] = []

    async def check() -> None:
        try:
            outcomes.append(str(await hashing.verify(stored, "correct horse battery")))
        except TemporarilyUnavailableError:
            outcomes.append("refused")

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(check)
    assert sorted(outcomes) == ["True", "True"] + ["refused"] * 8
    assert await hashing.verify(stored, "correct horse battery")  # the queue drained


async def test_hashing_runs_on_one_long_lived_thread_per_cpu_below_the_event_loop() -> None:
    # A burst of logins must not starve the event loop (introspections keep being answered)
    # nor leave argon2's 19 MiB in every worker thread that ever hashed.
    def hashers() -> set[threading.Thread]:
        return {
            thread
            for thread in threading.enumerate()
            if thread.name.startswith("jwtkit-password-hashing")
        }

    before = hashers()
    hashing = PasswordHashing(memory_kib=19456, time_cost=2, parallelism=1, max_waiting=64)
    try:
        for _ in range(2):
            async with anyio.create_task_group() as group:
                for _ in range(4 * (os.cpu_count() or 1)):
                    group.start_soon(hashing.hash, "correct horse battery")
            ours = hashers() - before
            assert 1 <= len(ours) <= (os.cpu_count() or 1)
            if sys.platform.startswith("linux"):
                loop = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
                for thread in ours:
                    assert thread.native_id is not None
                    assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == min(loop + 10, 19)
        assert hashers() - before == ours  # the same threads hashed both bursts
    finally:
        hashing.close()


@pytest.fixture
async def small_queue(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Server]:
    # A slow hash: every login reaches the hasher while the first is still being checked.
    settings = make_settings(
        f"sqlite:///{tmp_path / 'j.db'}", password_hashing_queue=1, argon2_time_cost=30
    )
    async with running_server(settings, clock) as server:
        await server.register("alice", "correct horse battery")
        yield server


async def test_a_flood_of_logins_is_shed_instead_of_queued_without_bound(
    small_queue: Server,
) -> None:
    responses = []

    async def login() -> None:
        responses.append(
            await small_queue.client.post(
                "/auth/login", json={"username": "alice", "password": "correct horse battery"}
            )
        )

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(login)
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {200, 503}
    assert statuses.count(503) >= 4  # shed, not queued: the flood is mostly refused at once
    for response in responses:
        if response.status_code == 503:
            assert response.json()["error"] == "temporarily_unavailable"
            assert int(response.headers["retry-after"]) > 0


async def test_a_flood_of_registrations_is_shed_and_a_shed_one_creates_no_user(
    small_queue: Server,
) -> None:
    responses: dict[str, Any] = {}

    async def register(name: str) -> None:
        responses[name] = await small_queue.client.post(
            "/auth/register", json={"username": name, "password": "correct horse battery"}
        )

    async with anyio.create_task_group() as group:
        for index in range(8):
            group.start_soon(register, f"user{index}")
    statuses = [response.status_code for response in responses.values()]
    assert set(statuses) == {201, 503} and statuses.count(503) >= 4
    for name, response in responses.items():
        user = await small_queue.runtime.users.find(name)
        if response.status_code == 503:
            assert response.json()["error"] == "temporarily_unavailable"
            assert int(response.headers["retry-after"]) > 0
            assert user is None  # no partial write: refused before the user was created
        else:
            assert user is not None


async def test_the_password_grant_is_shed_like_a_login(small_queue: Server) -> None:
    responses = []

    async def token() -> None:
        responses.append(
            await small_queue.client.post(
                "/auth/token",
                data={
                    "grant_type": "password",
                    "username": "alice",
                    "password": "correct horse battery",
                },
            )
        )

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(token)
    statuses = [response.status_code for response in responses]
    assert set(statuses) == {200, 503} and statuses.count(503) >= 4
    for response in responses:
        if response.status_code == 503:
            assert response.json()["error"] == "temporarily_unavailable"
            assert int(response.headers["retry-after"]) > 0
            assert "access_token" not in response.text
