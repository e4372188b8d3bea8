"""Users as an attacker and a careless operator see them: who may hold the admin scope,
which identifiers name one account, what odd text does to the database."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from jwtkit.server.db.models import User
from jwtkit.server.errors import InvalidRequestError

from .conftest import Server, bearer, make_settings

pytestmark = pytest.mark.anyio


async def test_the_admin_scope_comes_only_with_admin(server: Server) -> None:
    # An operator types `jwtkit admin users create eve --scope admin` without --admin.
    with pytest.raises(InvalidRequestError, match="admin"):
        await server.runtime.users.create(
            username="eve", email=None, password="eve-password-1", scopes=["admin"]
        )
    admin = await server.create_admin()
    created = await server.client.post(
        "/admin/users",
        json={"username": "eve", "password": "eve-password-1", "scopes": ["admin"]},
        headers=bearer(admin),
    )
    assert created.status_code == 400 and created.json()["error"] == "invalid_request"


async def test_a_user_holding_the_admin_scope_without_being_admin_is_not_granted_it(
    server: Server,
) -> None:
    # A row written before the rule (or by hand): the scope is stored, the flag is not.
    user = await server.register("eve", "eve-password-1")
    async with server.runtime.database.transaction() as session:
        await session.execute(
            update(User).where(User.id == user["id"]).values(scopes="openid admin")
        )
    login = await server.client.post(
        "/auth/login", json={"username": "eve", "password": "eve-password-1", "scope": "admin"}
    )
    assert login.status_code == 400 and login.json()["error"] == "invalid_scope"


def test_default_scopes_may_not_hand_out_the_admin_scope() -> None:
    # JWTKIT_DEFAULT_SCOPES="openid admin": every self-registered user would get it.
    with pytest.raises(ValueError, match="admin"):
        make_settings("sqlite:///:memory:", default_scopes="openid admin")
