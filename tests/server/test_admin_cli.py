"""``jwtkit admin`` through the real command line (typer's runner), on SQLite and PostgreSQL:
every command the server's operators use, with its effect checked through the HTTP API of
a server on the same database; and the master key's start-up rules as a person meets them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
from typer.testing import CliRunner, Result

from jwtkit.cli.app import app
from jwtkit.server.db.migrate import head_revision
from serving import jwtkit_command

from .conftest import MASTER_KEY, FakeClock, Server, basic, bearer, make_settings, running_server

T = TypeVar("T")
PASSWORD = "correct horse battery staple"
runner = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "COLUMNS": "200"})


class Admin:
    """``jwtkit admin`` against one database, and a server on it to check the effects."""

    def __init__(self, database_url: str, master_key: str | None = MASTER_KEY) -> None:
        self.env = {"JWTKIT_DATABASE_URL": database_url, "JWTKIT_MASTER_KEY": master_key}
        self.database_url = database_url

    def run(self, *args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["admin", *args], input=input, env=self.env)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self.run(*args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def json(self, *args: str, input: str | None = None) -> Any:
        return json.loads(self.ok(*args, "--json", input=input).stdout)

    def on_server(self, action: Callable[[Server], Awaitable[T]]) -> T:
        async def main() -> T:
            settings = make_settings(self.database_url)
            async with running_server(settings, FakeClock(time.time())) as server:
                return await action(server)

        return anyio.run(main)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jwtkit: error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


async def _login(server: Server, username: str, password: str, **extra: str) -> Any:
    return await server.client.post(
        "/auth/login", json={"username": username, "password": password, **extra}
    )


def test_users_commands(database_url: str) -> None:
    admin = Admin(database_url)
    root = admin.json(
        "users",
        "create",
        "root",
        "--admin",
        "--scope",
        "reports",
        "--scope",
        "billing",
        "--password-stdin",
        input=PASSWORD + "\n",
    )[0]
    assert root["admin"] is True and set(root["scopes"]) == {"reports", "billing", "admin"}
    bob = admin.json(
        "users", "create", "bob@example.com", "--password-stdin", input=PASSWORD + "\n"
    )[0]
    assert bob["email"] == "bob@example.com" and bob["admin"] is False
    assert_one_line_error(
        admin.run("users", "create", "ROOT", "--password-stdin", input=PASSWORD + "\n"),
        "already registered",
    )
    assert_one_line_error(
        admin.run("users", "create", "carol", "--password-stdin", input="short\n"), "8"
    )
    assert_one_line_error(admin.run("users", "create", "carol", "--password-stdin", input=""))
    listed = admin.json("users", "list")
    assert [user["username"] for user in listed] == ["root", "bob@example.com"]
    table = admin.ok("users", "list").stdout
    assert "root" in table and "bob@example.com" in table and "argon2" not in table

    async def sessions(server: Server) -> tuple[Any, Any]:
        as_root = await _login(server, "root", PASSWORD, scope="admin reports")
        assert as_root.status_code == 200 and as_root.json()["scope"] == "admin reports"
        as_bob = await _login(server, "bob@example.com", PASSWORD)
        assert as_bob.status_code == 200
        return as_root.json(), as_bob.json()

    _, bob_tokens = admin.on_server(sessions)
    admin.ok("users", "disable", "bob@example.com")
    assert admin.json("users", "list")[1]["disabled"] is True

    async def disabled(server: Server) -> None:
        me = await server.client.get("/auth/userinfo", headers=bearer(bob_tokens["access_token"]))
        assert me.status_code == 401
        assert 'error="invalid_token"' in me.headers["www-authenticate"]
        refreshed = await server.client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": bob_tokens["refresh_token"]},
        )
        assert refreshed.json()["error"] == "invalid_grant"
        assert (await _login(server, "bob@example.com", PASSWORD)).status_code == 400

    admin.on_server(disabled)
    admin.ok("users", "enable", bob["id"])

    async def enabled(server: Server) -> None:
        assert (await _login(server, "bob@example.com", PASSWORD)).status_code == 200
        # Enabling does not bring the ended sessions back.
        me = await server.client.get("/auth/userinfo", headers=bearer(bob_tokens["access_token"]))
        assert me.status_code == 401

    admin.on_server(enabled)
    new_password = "another horse battery staple"
    admin.ok("users", "set-password", "BOB@example.com", "--password-stdin", input=new_password)

    async def password_set(server: Server) -> Any:
        assert (await _login(server, "bob@example.com", PASSWORD)).status_code == 400
        response = await _login(server, "bob@example.com", new_password)
        assert response.status_code == 200
        return response.json()

    bob_tokens = admin.on_server(password_set)
    admin.ok("users", "delete", "bob@example.com")
    assert [user["username"] for user in admin.json("users", "list")] == ["root"]
    assert_one_line_error(admin.run("users", "delete", "bob@example.com"), "No such user")
    assert_one_line_error(admin.run("users", "disable", "nobody"), "No such user")

    async def deleted(server: Server) -> None:
        me = await server.client.get("/auth/userinfo", headers=bearer(bob_tokens["access_token"]))
        assert me.status_code == 401
        refreshed = await server.client.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": bob_tokens["refresh_token"]},
        )
        assert refreshed.status_code == 400
        events = [row.event for row in await server.runtime.audit.recent(100)]
        assert {"user_created", "user_disabled", "user_enabled", "password_set"} <= set(events)
        assert "user_deleted" in events

    admin.on_server(deleted)


def test_clients_commands(database_url: str) -> None:
    admin = Admin(database_url)
    service = admin.json(
        "clients",
        "create",
        "billing",
        "--grant-type",
        "client_credentials",
        "--scope",
        "invoices:read",
        "--scope",
        "invoices:write",
    )
    assert service["public"] is False and service["client_secret"]
    assert service["grant_types"] == ["client_credentials"]
    assert service["scopes"] == ["invoices:read", "invoices:write"]
    spa = admin.json(
        "clients",
        "create",
        "spa",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--redirect-uri",
        "http://127.0.0.1:3000/callback",
        "--public",
    )
    assert spa["public"] is True and "client_secret" not in spa
    assert spa["redirect_uris"] == ["http://127.0.0.1:3000/callback"]
    assert_one_line_error(
        admin.run("clients", "create", "x", "--grant-type", "implicit"), "implicit"
    )
    assert_one_line_error(
        admin.run("clients", "create", "x", "--grant-type", "client_credentials", "--public")
    )
    text = admin.ok("clients", "create", "reports", "--grant-type", "client_credentials")
    secret_line = [line for line in text.stdout.splitlines() if "client_secret:" in line]
    assert len(secret_line) == 1
    listing = admin.ok("clients", "list").stdout + json.dumps(admin.json("clients", "list"))
    assert service["client_secret"] not in listing
    assert secret_line[0].split(":", 1)[1].strip() not in listing
    listed = {client["name"] for client in admin.json("clients", "list")}
    assert {"billing", "spa", "reports", "jwtkit first-party client"} <= listed

    def grant(server: Server, secret: str) -> Awaitable[Any]:
        return server.client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(service["client_id"], secret),
        )

    async def works(server: Server) -> str:
        response = await grant(server, service["client_secret"])
        assert response.status_code == 200 and response.json()["scope"] == (
            "invoices:read invoices:write"
        )
        return str(response.json()["access_token"])

    token = admin.on_server(works)
    rotated = admin.json("clients", "rotate-secret", service["client_id"])
    assert rotated["client_secret"] != service["client_secret"]

    async def after_rotation(server: Server) -> str:
        old = await grant(server, service["client_secret"])
        assert old.status_code == 401 and old.json()["error"] == "invalid_client"
        assert old.headers["www-authenticate"].startswith("Basic")
        new = await grant(server, rotated["client_secret"])
        assert new.status_code == 200
        return str(new.json()["access_token"])

    newer = admin.on_server(after_rotation)
    # An introspecting resource server of its own.
    watcher = admin.json("clients", "create", "gateway", "--grant-type", "client_credentials")
    admin.ok("clients", "delete", service["client_id"])
    assert service["client_id"] not in {c["client_id"] for c in admin.json("clients", "list")}
    assert_one_line_error(admin.run("clients", "delete", service["client_id"]), "No such client")

    async def deleted(server: Server) -> None:
        for access_token in (token, newer):
            answer = await server.client.post(
                "/auth/introspect",
                data={"token": access_token},
                headers=basic(watcher["client_id"], watcher["client_secret"]),
            )
            assert answer.json() == {"active": False}
        assert (await grant(server, rotated["client_secret"])).status_code == 401

    admin.on_server(deleted)


def test_keys_commands(database_url: str) -> None:
    admin = Admin(database_url)
    before = {key["state"]: key for key in admin.json("keys", "list")}
    assert set(before) == {"current", "next"}
    after = admin.json("keys", "rotate")
    states = {key["kid"]: key["state"] for key in after}
    assert states[before["next"]["kid"]] == "current"
    assert states[before["current"]["kid"]] == "retired"
    assert len(after) == 3
    table = admin.ok("keys", "list").stdout
    assert "retired" in table and '"d"' not in table

    async def published(server: Server) -> None:
        jwks = (await server.client.get("/.well-known/jwks.json")).json()
        assert {key["kid"] for key in jwks["keys"]} == set(states)
        rotations = await server.runtime.audit.recent(10, "key_rotated")
        assert '"actor": "cli"' in rotations[0].detail

    admin.on_server(published)


def test_db_commands(tmp_path: Path) -> None:
    admin = Admin(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert admin.ok("db", "current").stdout.splitlines()[0] == "current: none (empty database)"
    upgraded = admin.ok("db", "upgrade")
    assert f"database at {head_revision()} (was empty)" in upgraded.stderr + upgraded.stdout
    lines = admin.ok("db", "current").stdout.splitlines()
    assert lines == [f"current: {head_revision()}", f"head:    {head_revision()}"]
    again = admin.ok("db", "upgrade")
    assert "(was" not in again.stderr + again.stdout


def test_postgresql_without_a_master_key_is_refused_before_anything_starts() -> None:
    for command in (["serve"], ["admin", "users", "list"]):
        result = runner.invoke(
            app,
            [*command, "--database-url", "postgresql://jwtkit@127.0.0.1:1/jwtkit"],
            env={"JWTKIT_MASTER_KEY": None, "JWTKIT_DATABASE_URL": None},
        )
        assert_one_line_error(result, "JWTKIT_MASTER_KEY is required")


def _jwtkit(
    tmp_path: Path, *args: str, input: str | None = None, **env: str | None
) -> subprocess.CompletedProcess[str]:
    """``jwtkit ARGS`` as a process of its own (what a person sees on the terminal)."""
    environment = {**os.environ, "JWTKIT_PORT": "0", **env}
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run(
        [*jwtkit_command(), *args],
        cwd=tmp_path,
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _serve(tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    return _jwtkit(tmp_path, "serve", **env)


def test_a_wrong_master_key_is_one_line_and_exit_2(tmp_path: Path, database_url: str) -> None:
    admin = Admin(database_url)
    admin.ok("users", "create", "root", "--password-stdin", input=PASSWORD)
    wrong = Admin(database_url, master_key="a-different-master-key-" + "y" * 32)
    assert_one_line_error(wrong.run("users", "list"), "JWTKIT_MASTER_KEY cannot open")
    started = _serve(tmp_path, JWTKIT_DATABASE_URL=database_url, JWTKIT_MASTER_KEY="z" * 40)
    assert started.returncode == 2, started.stderr
    assert "Traceback" not in started.stderr + started.stdout
    errors = [line for line in started.stderr.splitlines() if line.startswith("jwtkit: error")]
    assert len(errors) == 1 and "cannot open the signing keys" in errors[0]


def test_the_generated_master_key_file(tmp_path: Path) -> None:
    """Unset on SQLite: made beside the database (owner-only) with a loud warning, used by
    later commands; if it is lost, nothing starts and no new key replaces it."""
    database = tmp_path / "data" / "jwtkit.db"
    database.parent.mkdir()
    admin = Admin(f"sqlite:///{database}", master_key=None)
    first = _jwtkit(
        tmp_path,
        *("admin", "users", "create", "root", "--password-stdin"),
        input=PASSWORD,
        JWTKIT_DATABASE_URL=f"sqlite:///{database}",
        JWTKIT_MASTER_KEY=None,
    )
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "data" / "jwtkit.db.master-key"
    assert "WARNING" in first.stderr and str(key_file) in first.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert len(secret) >= 43 and secret not in first.stdout + first.stderr
    assert [user["username"] for user in admin.json("users", "list")] == ["root"]
    assert key_file.read_text().strip() == secret

    key_file.unlink()
    assert_one_line_error(admin.run("users", "list"), "master key file", "missing")
    started = _serve(tmp_path, JWTKIT_DATABASE_URL=f"sqlite:///{database}", JWTKIT_MASTER_KEY=None)
    assert started.returncode == 2 and "Traceback" not in started.stderr
    assert "missing" in started.stderr
    assert not key_file.exists()


def test_a_database_too_slow_for_a_command_is_named_as_such(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Review: deleting a client with a million live tokens ran into JWTKIT_DATABASE_TIMEOUT
    and said "cannot reach the database:" with an empty reason (a TimeoutError is an
    OSError). It names the timeout and how to give the command more."""
    from jwtkit.cli import admin as admin_module
    from jwtkit.cli._output import CommandError

    monkeypatch.setenv("JWTKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'slow.db'}")
    monkeypatch.setenv("JWTKIT_MASTER_KEY", MASTER_KEY)
    monkeypatch.setenv("JWTKIT_DATABASE_TIMEOUT", "2")

    async def too_slow(runtime: Any) -> None:
        raise TimeoutError

    try:
        admin_module._run(None, too_slow)
    except CommandError as error:
        message = str(error)
    else:
        raise AssertionError("no error")
    assert "did not answer within JWTKIT_DATABASE_TIMEOUT (2 s)" in message
    assert "cannot reach" not in message
