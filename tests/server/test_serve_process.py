"""``jwtkit serve`` as a real uvicorn process on a loopback port: the whole token life cycle
over HTTP, the first-start banner, and the generated master key."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from jwtkit.server.db.migrate import head_revision
from serving import serve_jwtkit


def test_login_userinfo_refresh_reuse_revoke_over_http(tmp_path: Path) -> None:
    with serve_jwtkit(tmp_path, env={"JWTKIT_DATABASE_URL": "sqlite:///./jwtkit.db"}) as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            assert (
                http.post(
                    "/auth/register", json={"username": "alice", "password": "correct horse"}
                ).status_code
                == 201
            )
            login = http.post(
                "/auth/login", json={"username": "alice", "password": "correct horse"}
            ).json()
            me = http.get(
                "/auth/userinfo", headers={"Authorization": f"Bearer {login['access_token']}"}
            )
            assert me.status_code == 200 and me.json()["username"] == "alice"
            rotated = http.post(
                "/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": login["refresh_token"]},
            )
            assert rotated.status_code == 200
            reuse = http.post(
                "/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": login["refresh_token"]},
            )
            assert reuse.json()["error"] == "invalid_grant"
            fresh = http.post(
                "/auth/login", json={"username": "alice", "password": "correct horse"}
            ).json()
            assert (
                http.post("/auth/revoke", data={"token": fresh["refresh_token"]}).status_code == 200
            )
            after = http.post(
                "/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
            )
            assert after.json()["error"] == "invalid_grant"
        banner = server.output()
    # Where it runs, what it is, where its data is, and the one command to go on with.
    assert f"Uvicorn running on {server.url}" in banner
    assert f"issuer {server.url}" in banner
    assert f"database: {(tmp_path / 'jwtkit.db').resolve()} (" in banner
    assert f"migrated empty -> {head_revision()}" in banner
    assert "jwtkit admin users create NAME --admin" in banner
    assert "master key was generated" in banner
    key_file = tmp_path / "jwtkit.db.master-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The database holds password hashes and the sealed keys: no other local user reads it,
    # whatever the umask (SQLite would create it 0644 under the usual 022).
    for name in ("jwtkit.db", "jwtkit.db-wal", "jwtkit.db-shm"):
        if (tmp_path / name).exists():
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
