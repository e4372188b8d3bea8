"""docs/deploy.md and deploy/: every setting they name exists, the compose file gives both
replicas one configuration and trusts only its proxy, and the backup and master-key
procedures do what the page says, run against real PostgreSQL and real processes."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from jwtkit.server.settings import Settings

from .conftest import MASTER_KEY, temporary_postgres_database
from .fleet import PASSWORD, fleet_env, introspect, refresh, register_and_login, run_fleet

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "deploy.md"


def _setting_names(text: str) -> set[str]:
    return set(re.findall(r"JWTKIT_([A-Z_]+)", text))


def test_every_setting_the_page_names_exists() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    names = _setting_names(DOC.read_text())
    assert names  # the page does name settings
    assert names <= fields, names - fields


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    return document


def test_compose_replicas_share_one_configuration_and_trust_only_the_proxy() -> None:
    compose = _compose()
    services = compose["services"]
    replicas = [services[name] for name in ("jwtkit-1", "jwtkit-2")]
    assert replicas[0] == replicas[1]
    environment = replicas[0]["environment"]
    fields = {name.upper() for name in Settings.model_fields}
    assert {name.removeprefix("JWTKIT_") for name in environment} <= fields
    for required in ("DATABASE_URL", "MASTER_KEY", "REDIS_URL", "ISSUER", "TRUSTED_PROXIES"):
        assert f"JWTKIT_{required}" in environment
    proxy_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    assert environment["JWTKIT_TRUSTED_PROXIES"] == proxy_address
    assert "noeviction" in services["redis"]["command"]
    assert replicas[0]["stop_grace_period"] == "30s"  # longer than the 20 s drain


def test_nginx_appends_the_address_it_saw_and_reaches_both_replicas() -> None:
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    assert "server jwtkit-1:8000" in config and "server jwtkit-2:8000" in config
    body_cap = re.search(r"client_max_body_size (\d+)k;", config)
    assert body_cap is not None
    assert int(body_cap.group(1)) * 1024 == Settings.model_fields["max_body_bytes"].default


def _block(heading: str) -> str:
    section = DOC.read_text().split(heading, 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_backup_and_restore_as_documented(tmp_path: Path) -> None:
    with temporary_postgres_database() as source, temporary_postgres_database() as restored:
        with run_fleet(tmp_path, 1, fleet_env(source)) as fleet, fleet.http(0) as http:
            credentials = fleet.confidential_client()
            tokens = register_and_login(http, "alice")
        completed = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + _block("## Backup and restore")],
            cwd=tmp_path,
            env={**os.environ, "SOURCE_URL": source, "RESTORED_URL": restored},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        with run_fleet(tmp_path, 1, fleet_env(restored)) as fleet, fleet.http(0) as http:
            # Same users, clients, sessions and signing keys as at the backup.
            assert introspect(http, credentials, tokens["access_token"])["active"]
            assert refresh(http, tokens["refresh_token"]).status_code == 200
            login = http.post("/auth/login", json={"username": "alice", "password": PASSWORD})
            assert login.status_code == 200


def test_replacing_the_master_key_as_documented(tmp_path: Path) -> None:
    """Stop the replicas, delete the key ring, start them with a new master key: access
    tokens signed with the old keys stop verifying, refresh tokens keep working."""
    new_master_key = "a-brand-new-master-key-" + "y" * 32
    assert new_master_key != MASTER_KEY
    with temporary_postgres_database() as database:
        with run_fleet(tmp_path, 1, fleet_env(database)) as fleet, fleet.http(0) as http:
            credentials = fleet.confidential_client()
            tokens = register_and_login(http, "alice")
            old_kids = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
        deleted = subprocess.run(
            ["psql", database, "-v", "ON_ERROR_STOP=1", "-c", "DELETE FROM key_ring;"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert deleted.returncode == 0, deleted.stderr
        env = {**fleet_env(database), "JWTKIT_MASTER_KEY": new_master_key}
        with run_fleet(tmp_path, 1, env) as fleet, fleet.http(0) as http:
            kids = {key["kid"] for key in http.get("/.well-known/jwks.json").json()["keys"]}
            assert not kids & old_kids
            assert not introspect(http, credentials, tokens["access_token"])["active"]
            rotated = refresh(http, tokens["refresh_token"])
            assert rotated.status_code == 200, rotated.text
            assert introspect(http, credentials, rotated.json()["access_token"])["active"]


def test_every_test_the_pages_cite_exists() -> None:
    """deploy.md and the server's threat model in security.md name the tests that back each
    claim: each must be a test that exists."""
    security = (ROOT / "docs" / "security.md").read_text()
    text = DOC.read_text() + security.split("## The authorization server at scale", 1)[1]
    cited = set(re.findall(r"`(test_\w+)", text))
    sources = "".join(path.read_text() for path in (ROOT / "tests").rglob("test_*.py"))
    defined = set(re.findall(r"def (test_\w+)", sources))
    assert len(cited) > 20
    assert cited <= defined, cited - defined
