"""docs/server.md: its settings table is the settings model, and its commands do what it says,
run against real ``jwtkit serve`` processes on SQLite: the admin command line, a key rotation,
and a backup restored into a stopped server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import typer

import jwtkit
from doc_shell import blocks, run_walk
from jwtkit.cli.app import app
from jwtkit.server.settings import Settings
from serving import ServerProcess, serve_jwtkit

DOC = Path(__file__).parents[2] / "docs" / "server.md"
PASSWORD = "correct horse battery"


def _section(heading: str) -> str:
    """The page's text under ``heading``, up to the next heading of its level or above."""
    level = len(heading.split(" ", 1)[0])
    lines = DOC.read_text().split(f"\n{heading}\n", 1)[1].splitlines()
    in_block = False
    for number, line in enumerate(lines):
        in_block ^= line.startswith("```")
        if not in_block and re.match(rf"#{{1,{level}}} ", line):
            return "\n".join(lines[:number])
    return "\n".join(lines)


def _settings_table() -> list[list[str]]:
    rows = []
    for line in _section("## Configure").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `"):
            rows.append(cells)
    return rows


def _shown_default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "empty" if not value else f"`{','.join(value)}`"
    return f"`{value}`"


def test_the_settings_table_is_the_settings_model() -> None:
    serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    flags = {option for parameter in serve.params for option in parameter.opts}
    rows = _settings_table()
    assert [row[0] for row in rows] == [f"`{name}`" for name in Settings.model_fields]
    for name_cell, variable, flag, default, description in rows:
        name = name_cell.strip("`")
        field = Settings.model_fields[name]
        assert variable == f"`JWTKIT_{name.upper()}`"
        option = f"--{name.replace('_', '-')}"
        assert flag == (f"`{option}`" if option in flags else "—"), name
        shown = default.strip("`")
        expected = field.get_default(call_default_factory=True)
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            assert float(shown) == float(expected), name
        else:
            assert default == _shown_default(expected), name
        assert description, name
    assert "--workers" in flags and "`--workers N`" in DOC.read_text()


def test_the_admin_commands_listed_are_the_command_line() -> None:
    admin = typer.main.get_command(app).commands["admin"]  # type: ignore[attr-defined]
    existing = {(group, name) for group, sub in admin.commands.items() for name in sub.commands}
    listed = {
        (group, name)
        for group, names in re.findall(
            r"`(users|clients|keys|db) ([a-z|-]+)", _section("## The admin command line")
        )
        for name in names.split("|")
    }
    assert listed == existing


def _login(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return http.post("/auth/login", json={"username": username, "password": password})


def test_admin_command_line_and_key_rotation_as_documented(tmp_path: Path) -> None:
    admin_block = blocks(_section("## The admin command line"))[0]
    rotation_block = blocks(_section("## Rotate the signing keys"))[0]
    # A short JWKS max-age: the running server reads the ring the CLI rotated within a second.
    with (
        serve_jwtkit(tmp_path, env={"JWTKIT_JWKS_MAX_AGE": "1"}) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        run_walk(admin_block, cwd=tmp_path)
        admin = http.post(
            "/auth/login",
            json={"username": "root", "password": "a long admin password", "scope": "admin"},
        )
        assert admin.status_code == 200 and admin.json()["scope"] == "admin", admin.text
        assert _login(http, "alice", "alice password 2").json()["error"] == "invalid_grant"
        headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        clients = http.get("/admin/clients", headers=headers).json()
        assert [client["client_id"] for client in clients] == ["jwtkit-first-party"]
        events = {entry["event"] for entry in http.get("/admin/audit", headers=headers).json()}
        assert {"user_created", "user_disabled", "client_deleted"} <= events, events

        before = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
        signed_before = admin.json()["access_token"]
        run_walk(rotation_block.replace("$AUTH", server.url), cwd=tmp_path)
        for _ in range(100):  # bounded: the server re-reads the ring within about a second
            published = http.get("/.well-known/jwks.json").json()["keys"]
            if len(published) == 3:
                break
            time.sleep(0.1)
        assert len(published) == 3 and before < {key["kid"] for key in published}
        # A token signed before the rotation still works; a new one names the new current key.
        assert http.get("/auth/userinfo", headers=headers).status_code == 200
        signed_after = _login(http, "root", "a long admin password").json()["access_token"]
        assert _kid(signed_after) != _kid(signed_before) and _kid(signed_after) in before


def _kid(token: str) -> str:
    return str(jwtkit.get_unverified_header(token)["kid"])


def _register_and_login(server: ServerProcess, username: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        registered = http.post("/auth/register", json={"username": username, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        tokens: dict[str, Any] = _login(http, username).json()
        return tokens


def test_sqlite_backup_and_restore_as_documented(tmp_path: Path) -> None:
    backup, restore = blocks(_section("### SQLite"))
    # Two processes on two free ports: one issuer, as one server restarted would have.
    env = {"JWTKIT_ISSUER": "http://auth.example.test"}
    with serve_jwtkit(tmp_path, env=env) as server:
        alice = _register_and_login(server, "alice")
        run_walk(backup, cwd=tmp_path)  # while the server runs
        _register_and_login(server, "bob")
        with httpx.Client(base_url=server.url, timeout=30) as http:
            spent = http.post(
                "/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": alice["refresh_token"]},
            )
            assert spent.status_code == 200
    assert (tmp_path / "backup" / "jwtkit.db.master-key").stat().st_mode & 0o077 == 0
    run_walk(restore, cwd=tmp_path)  # with the server stopped
    with (
        serve_jwtkit(tmp_path, env=env) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        # As at the backup: alice's tokens work (spent since, her refresh token is live again
        # in the restored database), bob never registered.
        bearer = {"Authorization": f"Bearer {alice['access_token']}"}
        userinfo = http.get("/auth/userinfo", headers=bearer)
        assert userinfo.status_code == 200, userinfo.text
        refreshed = http.post(
            "/auth/token",
            data={"grant_type": "refresh_token", "refresh_token": alice["refresh_token"]},
        )
        assert refreshed.status_code == 200, refreshed.text
        assert _login(http, "alice").status_code == 200
        assert _login(http, "bob").json()["error"] == "invalid_grant"


def test_a_changed_signing_algorithm_takes_over_at_the_next_start(tmp_path: Path) -> None:
    env = {"JWTKIT_ISSUER": "http://auth.example.test"}
    with serve_jwtkit(tmp_path, env=env) as server:
        alice = _register_and_login(server, "alice")
    assert jwtkit.get_unverified_header(alice["access_token"])["alg"] == "ES256"
    with (
        serve_jwtkit(tmp_path, env={**env, "JWTKIT_SIGNING_ALG": "EdDSA"}) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        token = _login(http, "alice").json()["access_token"]
        assert jwtkit.get_unverified_header(token)["alg"] == "EdDSA"
        published = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
        assert _kid(alice["access_token"]) in published  # the old key retires, still published
        bearer = {"Authorization": f"Bearer {alice['access_token']}"}
        assert http.get("/auth/userinfo", headers=bearer).status_code == 200


def test_the_generated_master_key_file_moves_into_the_variable(tmp_path: Path) -> None:
    """The page: set JWTKIT_MASTER_KEY to the generated file's content (and drop the file)."""
    env = {"JWTKIT_ISSUER": "http://auth.example.test"}
    with serve_jwtkit(tmp_path, env=env) as server:
        alice = _register_and_login(server, "alice")
    key_file = tmp_path / "jwtkit.db.master-key"
    master_key = key_file.read_text().strip()
    key_file.unlink()
    with (
        serve_jwtkit(tmp_path, env={**env, "JWTKIT_MASTER_KEY": master_key}) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        bearer = {"Authorization": f"Bearer {alice['access_token']}"}
        assert http.get("/auth/userinfo", headers=bearer).status_code == 200
    assert not key_file.exists()
