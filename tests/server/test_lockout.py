"""The login lockout, attacked: it is keyed on the account (so more addresses buy an attacker
nothing), counts parallel guesses atomically, ends by itself however long the attack goes on,
and never locks the owner out where the owner has logged in before.

Counts live in the ``limits`` memory storage, which reads ``time.time``: the tests move that
clock (``Window``) instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from jwtkit.server.security.ratelimit import AbuseLimits

from .conftest import FakeClock, Server, make_settings, running_server

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"
#: Tight account-wide limits, generous per-address ones: what is tested is the account lock.
LIMITS = {
    "rate_limit_login_per_ip": "10000/minute",
    "rate_limit_login_failures_per_account": "10000/minute",
    "rate_limit_login_failures_per_account_any_ip": "5/minute",
}


class Window:
    """``time.time`` for the rate limiter, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr(time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def window(monkeypatch: pytest.MonkeyPatch) -> Window:
    return Window(monkeypatch)


@pytest.fixture
async def guarded(database_url: str, clock: FakeClock, window: Window) -> AsyncIterator[Server]:
    async with running_server(make_settings(database_url, **LIMITS), clock) as server:
        await server.register("alice", PASSWORD)
        yield server


async def _login_from(server: Server, address: str, password: str, **who: str) -> Any:
    async with server.client_from(address) as client:
        return await client.post(
            "/auth/login", json={**(who or {"username": "alice"}), "password": password}
        )


async def _attack(server: Server, attempts: int, **who: str) -> list[int]:
    """``attempts`` wrong passwords in parallel, each from an address of its own."""
    statuses: list[int] = []

    async def guess(index: int) -> None:
        response = await _login_from(server, f"203.0.113.{index % 250}", f"guess {index}!", **who)
        statuses.append(response.status_code)

    async with anyio.create_task_group() as group:
        for index in range(attempts):
            group.start_soon(guess, index)
    return statuses


async def test_parallel_guesses_from_many_addresses_are_counted_against_the_account(
    guarded: Server,
) -> None:
    statuses = await _attack(guarded, 50)
    # Each guess is counted atomically before its password is checked: exactly the limit
    # reaches a password check, though every guess came from a different address.
    assert statuses.count(400) == 5
    assert statuses.count(429) == 45
    # The owner, from an address that never logged in, is locked out for now.
    refused = await _login_from(guarded, "198.51.100.7", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert 1 <= int(refused.headers["retry-after"]) <= 120


async def test_the_username_and_the_email_share_one_count(
    database_url: str, clock: FakeClock, window: Window
) -> None:
    async with running_server(make_settings(database_url, **LIMITS), clock) as server:
        await server.runtime.users.create(
            username="bob", email="bob@example.com", password=PASSWORD
        )
        by_name = await _attack(server, 3, username="BOB")
        by_email = await _attack(server, 3, email="Bob@Example.com")
    assert sorted(by_name + by_email) == [400] * 5 + [429]


async def test_a_long_attack_is_slowed_to_the_limit_and_the_lock_ends_by_itself(
    guarded: Server, window: Window
) -> None:
    checked = (await _attack(guarded, 20)).count(400)
    for _ in range(60):  # ten minutes of 30 guesses a minute, from ever new addresses
        window.advance(10)
        checked += (await _attack(guarded, 5)).count(400)
    # Refused guesses are not counted, so the lock does not grow with the attack: the window
    # slides on, and the attacker gets about the limit (5 a minute) of password checks.
    assert 5 <= checked <= 5 * 11
    # Once a whole window passes without a counted guess, the owner logs in from anywhere.
    window.advance(121)
    response = await _login_from(guarded, "198.51.100.7", PASSWORD)
    assert response.status_code == 200, response.text


async def test_the_owner_logs_in_during_the_lock_from_where_they_logged_in_before(
    guarded: Server,
) -> None:
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 200
    await _attack(guarded, 50)
    assert (await _login_from(guarded, "192.0.2.99", PASSWORD)).status_code == 429
    response = await _login_from(guarded, "198.51.100.7", PASSWORD)
    assert response.status_code == 200, response.text
    # The exemption is for the owner's address, not for guessing from it: the per-address
    # account lock still holds there, and a wrong password is still wrong.
    assert (await _login_from(guarded, "198.51.100.7", "not the password")).status_code == 400


@pytest.mark.parametrize("days_later", [0, 29])
async def test_the_owners_address_stays_known_for_30_days_after_the_login_whenever_it_was(
    guarded: Server, window: Window, days_later: int
) -> None:
    """Remembered from the owner's last login, not until a window boundary: one minute
    before a 30-day boundary, a sliding window of limits' forgot every account's known
    addresses at the boundary, and an attacker filling the account lock then kept the owner
    out for as long as the attack went on."""
    period = AbuseLimits.KNOWN_ADDRESS_DAYS * 86400
    window.now = (window.now // period + 1) * period - 60
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 200
    window.advance(120 + days_later * 86400)  # past the boundary
    await _attack(guarded, 50)
    assert (await _login_from(guarded, "192.0.2.99", PASSWORD)).status_code == 429
    response = await _login_from(guarded, "198.51.100.7", PASSWORD)
    assert response.status_code == 200, response.text


async def test_the_owners_address_is_forgotten_30_days_after_the_last_login(
    guarded: Server, window: Window
) -> None:
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 200
    window.advance(20 * 86400)
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 200  # renews
    window.advance(29 * 86400)  # 49 days after the first login, 29 after the last
    await _attack(guarded, 50)
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 200
    window.advance(31 * 86400)  # 31 days after that last login: a stranger again
    await _attack(guarded, 50)
    assert (await _login_from(guarded, "198.51.100.7", PASSWORD)).status_code == 429


async def test_an_address_guessing_from_the_owners_network_is_still_stopped(
    database_url: str, clock: FakeClock, window: Window
) -> None:
    settings = make_settings(
        database_url,
        **{**LIMITS, "rate_limit_login_failures_per_account": "3/minute"},
    )
    async with running_server(settings, clock) as server:
        await server.register("alice", PASSWORD)
        assert (await _login_from(server, "198.51.100.7", PASSWORD)).status_code == 200
        statuses = [
            (await _login_from(server, "198.51.100.7", f"guess {index}!")).status_code
            for index in range(6)
        ]
    assert statuses == [400, 400, 400, 429, 429, 429]


async def test_an_unknown_name_is_locked_like_a_real_one(guarded: Server) -> None:
    """A lock shows nothing about who exists: an unknown name is counted the same way."""
    unknown = sorted(await _attack(guarded, 8, username="nobody"))
    assert unknown == sorted(await _attack(guarded, 8)) == [400] * 5 + [429] * 3
