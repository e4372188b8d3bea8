"""Purging expired rows (services/purge.py), on SQLite and PostgreSQL: what is over goes,
and nothing a live session, the denylist or a logout still needs is touched — each checked
by using the server after the purge."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from jwtkit.cli.app import app as cli
from jwtkit.server.db import Database
from jwtkit.server.db.models import (
    AccessToken,
    AuditEvent,
    BrowserSession,
    RefreshFamily,
    RefreshToken,
)
from jwtkit.server.services.purge import MARGIN, Purge

from .browser_flow import signed_in
from .conftest import MASTER_KEY, FakeClock, Server, bearer, make_settings, running_server

pytestmark = pytest.mark.anyio

DAY = 86400.0


async def count(server: Server, model: Any) -> int:
    async with server.runtime.database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def refresh(server: Server, token: str, **extra: str) -> Any:
    return await server.client.post(
        "/auth/token", data={"grant_type": "refresh_token", "refresh_token": token, **extra}
    )


async def test_nothing_live_is_purged(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    purged = await server.runtime.purge.run()
    assert purged.total == 0
    assert (
        await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    ).status_code == 200
    assert (await refresh(server, tokens["refresh_token"])).status_code == 200


async def test_an_expired_access_token_goes_and_its_live_session_stays_whole(
    server: Server,
) -> None:
    await server.register("alice")
    first = await server.login("alice")
    second = (await refresh(server, first["refresh_token"])).json()
    server.clock.advance(server.settings.access_token_lifetime + MARGIN + 1)
    purged = await server.runtime.purge.run()
    assert purged.access_tokens == 2 and purged.sessions == 0 and purged.refresh_tokens == 0
    assert await count(server, AccessToken) == 0
    assert await count(server, RefreshToken) == 2  # the spent one too: reuse stays detectable
    replay = await refresh(server, first["refresh_token"])
    assert replay.json()["error"] == "invalid_grant"
    # The replay ended the session: its live token is refused too.
    assert (await refresh(server, second["refresh_token"])).json()["error"] == "invalid_grant"


async def test_a_session_over_goes_with_its_refresh_tokens(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    await refresh(server, tokens["refresh_token"])
    server.clock.advance(server.settings.refresh_token_lifetime + MARGIN + 1)
    purged = await server.runtime.purge.run()
    assert (purged.sessions, purged.refresh_tokens, purged.access_tokens) == (1, 2, 2)
    assert await count(server, RefreshFamily) == 0
    answer = await refresh(server, tokens["refresh_token"])
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


async def test_a_revoked_access_token_stays_refused_until_it_has_expired(server: Server) -> None:
    await server.register("alice")
    tokens = await server.login("alice")
    other = await server.login("alice")
    logout = await server.client.post(
        "/auth/logout",
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert logout.status_code in (200, 204), logout.text
    server.clock.advance(MARGIN + 1)  # the session is revoked long enough to go ...
    purged = await server.runtime.purge.run()
    assert purged.sessions == 1 and purged.access_tokens == 0
    # ... but its access token, revoked and not yet expired, is still on the denylist.
    userinfo = await server.client.get("/auth/userinfo", headers=bearer(tokens["access_token"]))
    assert userinfo.status_code == 401
    assert (await refresh(server, tokens["refresh_token"])).json()["error"] == "invalid_grant"
    # The other session is untouched.
    assert (await refresh(server, other["refresh_token"])).status_code == 200


async def test_an_expired_browser_session_and_code_go_and_the_app_session_lives_on(
    server: Server,
) -> None:
    flow, tokens = await signed_in(server, first_party=True)
    server.clock.advance(server.settings.browser_session_lifetime + DAY + MARGIN)
    purged = await server.runtime.purge.run()
    assert purged.authorization_codes == 1 and purged.browser_sessions == 1
    assert await count(server, BrowserSession) == 0
    # The app's session does not depend on the browser's: it refreshes and logs out.
    renewed = await refresh(server, tokens["refresh_token"], client_id=flow.client_id)
    assert renewed.status_code == 200, renewed.text
    logout = await server.client.post(
        "/auth/logout", headers=bearer(renewed.json()["access_token"])
    )
    assert logout.status_code in (200, 204), logout.text
    server.clock.advance(MARGIN + 1)
    assert (await server.runtime.purge.run()).sessions == 1


async def test_a_spent_refresh_token_an_hour_past_expiry_goes_and_the_session_lives_on(
    server: Server,
) -> None:
    """Its replay is then refused as unknown, no longer as reuse: a token that old is
    refused either way, and the session's current token goes on working."""
    await server.register("alice")
    first = await server.login("alice")
    server.clock.advance(server.settings.refresh_token_lifetime - 60)
    second = (await refresh(server, first["refresh_token"])).json()
    server.clock.advance(60 + MARGIN + 1)  # the first one: an hour past its expiry
    purged = await server.runtime.purge.run()
    assert purged.refresh_tokens == 1 and purged.sessions == 0
    assert (await refresh(server, first["refresh_token"])).json()["error"] == "invalid_grant"
    assert (await refresh(server, second["refresh_token"])).status_code == 200


async def test_the_session_walk_pages_through_every_session_across_runs(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions have no expiry to find them by: they are walked by id in pages, each run
    going on from where the last stopped, and every ended one is reached."""
    monkeypatch.setattr("jwtkit.server.services.purge.BATCH", 3)
    await server.register("alice")
    for _ in range(4):
        await server.login("alice")  # four sessions that will be over
    server.clock.advance(server.settings.refresh_token_lifetime + MARGIN + 1)
    live = [await server.login("alice") for _ in range(6)]
    first = await server.runtime.purge.run(max_batches=1)  # one page of three sessions
    assert "sessions" in first.incomplete and first.sessions <= 3
    second = await server.runtime.purge.run(max_batches=10)  # goes on where it stopped
    assert first.sessions + second.sessions == 4 and "sessions" not in second.incomplete
    assert await count(server, RefreshFamily) == 6
    for tokens in live:
        assert (await refresh(server, tokens["refresh_token"])).status_code == 200


async def test_a_purge_without_a_budget_walks_every_session_each_time(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the server's own purge and `jwtkit admin db purge` (a new process each time,
    so no memory of an earlier walk) do: every session, first id to last."""
    monkeypatch.setattr("jwtkit.server.services.purge.BATCH", 2)
    await server.register("alice")
    for _ in range(7):
        await server.login("alice")
    server.clock.advance(server.settings.refresh_token_lifetime + MARGIN + 1)
    live = await server.login("alice")
    partial = await server.runtime.purge.run(max_batches=1)  # leaves a walk half done
    purged = await server.runtime.purge.run()
    assert partial.sessions + purged.sessions == 7 and purged.incomplete == ()
    assert await count(server, RefreshFamily) == 1
    assert (await refresh(server, live["refresh_token"])).status_code == 200


async def test_a_kind_that_fails_is_reported_and_the_others_still_go(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.register("alice")
    await server.login("alice")
    server.clock.advance(server.settings.refresh_token_lifetime + MARGIN + 1)
    purge = server.runtime.purge
    real = purge._expired

    async def access_tokens_time_out(table: Any, *args: Any) -> int:
        if table is AccessToken.__table__:
            raise TimeoutError
        return await real(table, *args)

    monkeypatch.setattr(purge, "_expired", access_tokens_time_out)
    purged = await purge.run()
    assert purged.incomplete == ("access_tokens",)
    assert purged.sessions == 1 and purged.refresh_tokens == 1
    assert await count(server, AccessToken) == 1  # left for the next run


async def test_audit_events_are_kept_unless_a_retention_is_set(
    database_url: str, clock: FakeClock
) -> None:
    for retention, kept in ((0, True), (DAY, False)):
        settings = make_settings(database_url, audit_retention=int(retention))
        async with running_server(settings, clock) as server:
            await server.runtime.audit.record_alone("test_event")
            clock.advance(2 * DAY)
            await server.runtime.audit.record_alone("recent_event")
            await server.runtime.purge.run()
            events = [event.event for event in await server.runtime.audit.recent(event=None)]
            assert ("test_event" in events) is kept
            assert "recent_event" in events
            async with server.runtime.database.transaction() as session:
                await session.execute(AuditEvent.__table__.delete())


async def test_denylist_epoch_rows_go_once_the_tokens_they_name_are_long_expired(
    database_url: str, clock: FakeClock
) -> None:
    """Review: the epoch table grew by a row per revocation Redis may not have had, forever.
    A row goes after two days and an hour: access tokens live a day at most, and every
    replica wrote it into Redis within seconds."""
    from jwtkit.server.db.models import DenylistEpoch
    from jwtkit.server.services.denylist import raise_epoch
    from jwtkit.server.services.purge import EPOCH_MARGIN

    async with running_server(make_settings(database_url), clock) as server:
        async with server.runtime.database.transaction() as session:
            await raise_epoch(session, clock.now, [("old", clock.now + 900)])
        clock.advance(EPOCH_MARGIN)
        async with server.runtime.database.transaction() as session:
            await raise_epoch(session, clock.now, [("recent", clock.now + 900)])
        clock.advance(1)
        purged = await server.runtime.purge.run()
        assert purged.denylist_epochs == 1
        assert await count(server, DenylistEpoch) == 1


async def test_the_server_purges_by_itself_every_interval(
    database_url: str, clock: FakeClock
) -> None:
    async with running_server(make_settings(database_url, purge_interval=1), clock) as server:
        await server.register("alice")
        await server.login("alice")
        clock.advance(server.settings.access_token_lifetime + MARGIN + 1)
        for _ in range(100):  # bounded: the first purge comes within the interval
            if await count(server, AccessToken) == 0:
                break
            await asyncio.sleep(0.1)
        assert await count(server, AccessToken) == 0
        assert await count(server, RefreshFamily) == 1  # its session lives on


async def test_an_admin_purges_over_http_and_it_is_audited(server: Server) -> None:
    await server.register("alice")
    await server.login("alice")
    await server.create_admin()
    anonymous = await server.client.post("/admin/db/purge")
    assert anonymous.status_code == 401
    user = await server.client.post(
        "/admin/db/purge", headers=bearer((await server.login("alice"))["access_token"])
    )
    assert user.status_code == 403
    server.clock.advance(server.settings.access_token_lifetime + MARGIN + 1)
    admin = bearer((await server.login("root", scope="admin"))["access_token"])
    purged = await server.client.post("/admin/db/purge", headers=admin)
    # alice's two and the admin's first, all expired; not the admin's token in use.
    assert purged.status_code == 200 and purged.json()["access_tokens"] == 3, purged.text
    events = await server.runtime.audit.recent(event="db_purged")
    assert len(events) == 1 and json.loads(events[0].detail)["access_tokens"] == 3


def test_jwtkit_admin_db_purge(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    environment = {"JWTKIT_DATABASE_URL": url, "JWTKIT_MASTER_KEY": MASTER_KEY}
    runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    first = runner.invoke(cli, ["admin", "db", "purge", "--json"], env=environment)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["access_tokens"] == 0

    async def expired_row() -> None:
        database = Database(url)
        try:
            async with database.transaction() as session:
                await session.execute(
                    insert(AccessToken).values(
                        jti="old", client_id="c", expires_at=1.0, user_id=None, family_id=None
                    )
                )
        finally:
            await database.close()

    asyncio.run(expired_row())
    second = runner.invoke(cli, ["admin", "db", "purge"], env=environment)
    assert second.exit_code == 0, second.output
    assert "1 access tokens" in second.output

    # A kind that fails (a lock timeout, say) is named, the others are done, and the exit
    # status is 2, so a scheduler running the command sees that it must run again.
    asyncio.run(expired_row())
    real = Purge._expired

    async def access_tokens_time_out(self: Purge, table: Any, *args: Any) -> tuple[int, bool]:
        if table is AccessToken.__table__:
            raise TimeoutError
        return await real(self, table, *args)

    monkeypatch.setattr(Purge, "_expired", access_tokens_time_out)
    third = runner.invoke(cli, ["admin", "db", "purge", "--json"], env=environment)
    assert third.exit_code == 2, third.output
    assert json.loads(third.stdout)["incomplete"] == ["access_tokens"]
    assert "not finished" in third.stderr and "access_tokens" in third.stderr
    monkeypatch.undo()
    fourth = runner.invoke(cli, ["admin", "db", "purge"], env=environment)
    assert fourth.exit_code == 0 and "1 access tokens" in fourth.output, fourth.output
