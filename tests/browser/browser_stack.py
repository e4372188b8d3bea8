"""The processes the browser tests drive, and what the tests know about them.

``jwtkit serve`` on a temporary SQLite database, the orders API (examples/fastapi_api.py)
and two copies of examples/webapp, each a real process on 127.0.0.1: "Orders", a confidential
client made with ``jwtkit admin clients create``, and "Shop", a public client (no secret)
made with the admin API. Each test gets a user of its own through the admin API, so no test
depends on what another signed in or consented to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from serving import free_port, jwtkit_command, run_process, run_processes, serve_jwtkit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"
ADMIN = "root"
#: Every sign-in here comes from 127.0.0.1: more than the default per-address limits allow.
RELAXED_LIMITS = {
    "JWTKIT_RATE_LIMIT_LOGIN_PER_IP": "1000/minute",
    "JWTKIT_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": "1000/minute",
    "JWTKIT_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT_ANY_IP": "1000/minute",
    "JWTKIT_RATE_LIMIT_TOKEN_PER_IP": "1000/minute",
}


@dataclass(frozen=True)
class WebApp:
    """One running copy of examples/webapp and its client at the server."""

    url: str
    title: str
    client_id: str
    client_secret: str

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/callback"


@dataclass
class Stack:
    issuer: str
    api: str
    orders: WebApp
    shop: WebApp
    _admin_token: str = field(default="", repr=False)

    def new_user(self, username: str, scopes: tuple[str, ...] = ("orders:read",)) -> str:
        """A user of the test's own (password :data:`PASSWORD`); answers the username.
        Each test names its own, so its screenshots are the same on every run."""
        answer = httpx.post(
            f"{self.issuer}/admin/users",
            json={"username": username, "password": PASSWORD, "scopes": list(scopes)},
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        return username

    def create_client(self, description: dict[str, Any]) -> dict[str, Any]:
        """POST /admin/clients; answers the created client (with its secret, if any)."""
        answer = httpx.post(
            f"{self.issuer}/admin/clients",
            json=description,
            headers={"Authorization": f"Bearer {self.admin_token()}"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def admin_token(self) -> str:
        if not self._admin_token:
            self._admin_token = self.password_login(ADMIN, "admin")
        return self._admin_token

    def password_login(self, username: str, scope: str) -> str:
        answer = httpx.post(
            f"{self.issuer}/auth/login",
            json={"username": username, "password": PASSWORD, "scope": scope},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def metadata(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document


def admin(database_url: str, *arguments: str, stdin: str | None = None) -> str:
    """``jwtkit admin ...`` on the test's database, as an operator would run it."""
    result = subprocess.run(
        [*jwtkit_command(), "admin", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JWTKIT_DATABASE_URL": database_url},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def register_with_the_cli(database_url: str, name: str, url: str) -> WebApp:
    """A confidential client (it has a secret), made with ``jwtkit admin clients create``."""
    arguments = [
        "clients", "create", name, "--grant-type", "authorization_code",
        "--scope", "openid", "--scope", "profile", "--scope", "orders:read",
        "--audience", "api", "--redirect-uri", f"{url}/callback",
        "--redirect-uri", f"{url}/signed-out", "--json",
    ]  # fmt: skip
    created: dict[str, Any] = json.loads(admin(database_url, *arguments))
    return WebApp(url, name, created["client_id"], created["client_secret"])


def register_with_the_admin_api(stack: Stack, name: str, url: str) -> WebApp:
    """A public client (no secret: PKCE alone guards its codes), made with the admin API."""
    created = stack.create_client(
        {
            "name": name,
            "grant_types": ["authorization_code"],
            "scopes": ["openid", "profile", "orders:read"],
            "audiences": ["api"],
            "redirect_uris": [f"{url}/callback", f"{url}/signed-out"],
            "public": True,
        }
    )
    return WebApp(url, name, created["client_id"], "")


def uvicorn(app: str, url: str, *extra: str) -> list[str]:
    """``app`` from examples/ under uvicorn, listening where ``url`` (a loopback URL) says."""
    port = url.rsplit(":", 1)[1]
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES), *extra, app,
        "--host", "127.0.0.1", "--port", port, "--log-level", "warning",
    ]  # fmt: skip


def with_environment(environment: dict[str, str], command: list[str]) -> list[str]:
    """``command`` with ``environment`` added, through env(1), which then becomes the command
    (so the process started is the command itself, and stopping it stops that)."""
    return ["env", *(f"{name}={value}" for name, value in environment.items()), *command]


@contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """Set up the database, start every process, stop them all afterwards."""
    database_url = f"sqlite:///{workdir / 'jwtkit.db'}"
    admin(
        database_url, "users", "create", ADMIN, "--admin", "--scope", "admin",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    orders_port, shop_port = free_port(), free_port()
    orders = register_with_the_cli(database_url, "Orders", f"http://127.0.0.1:{orders_port}")
    with ExitStack() as processes:
        server_env = {"JWTKIT_DATABASE_URL": database_url, "JWTKIT_AUDIENCE": "api"}
        server = processes.enter_context(
            serve_jwtkit(workdir, env={**server_env, **RELAXED_LIMITS})
        )
        stack = Stack(server.url, "", orders, orders)
        # The API asks the server whether a token was revoked: a sign-out reaches it at once.
        introspection = stack.create_client(
            {"name": "orders-api", "grant_types": ["client_credentials"]}
        )
        stack.shop = register_with_the_admin_api(stack, "Shop", f"http://127.0.0.1:{shop_port}")
        stack.api = f"http://127.0.0.1:{free_port()}"
        api_environment = {
            "JWTKIT_ISSUER": server.url,
            "JWTKIT_AUDIENCE": "api",
            "JWTKIT_CLIENT_ID": introspection["client_id"],
            "JWTKIT_CLIENT_SECRET": introspection["client_secret"],
            "JWTKIT_REVOCATION_CACHE_SECONDS": "0",  # a sign-out shows at once
        }
        commands = [
            (with_environment(api_environment, uvicorn("fastapi_api:app", stack.api)), stack.api)
        ]
        for app in (stack.orders, stack.shop):
            app_environment = {
                "WEBAPP_ISSUER": server.url,
                "WEBAPP_CLIENT_ID": app.client_id,
                "WEBAPP_CLIENT_SECRET": app.client_secret,
                "WEBAPP_URL": app.url,
                "WEBAPP_API_URL": stack.api,
                "WEBAPP_TITLE": app.title,
                "WEBAPP_SESSION_COOKIE": f"{app.title.lower()}_session",
            }
            command = uvicorn("webapp.app:create_app", app.url, "--factory")
            commands.append((with_environment(app_environment, command), app.url))
        # The API and the apps start together: they only need each other once a user comes.
        processes.enter_context(run_processes(commands, ready_path="/health", cwd=workdir))
        yield stack


@dataclass(frozen=True)
class AttackerSite:
    """A static site on another loopback port, serving whatever pages a test writes."""

    url: str
    directory: Path

    def publish(self, name: str, html: str) -> str:
        (self.directory / name).write_text(html, encoding="utf-8")
        return f"{self.url}/{name}"


@contextmanager
def attacker_site(workdir: Path) -> Iterator[AttackerSite]:
    directory = workdir / "attacker"
    directory.mkdir()
    (directory / "index.html").write_text("<!doctype html><title>Attacker</title>")
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with run_process(
        [*command, "--directory", str(directory)],
        url=f"http://127.0.0.1:{port}",
        ready_path="/index.html",
        cwd=workdir,
    ) as running:
        yield AttackerSite(running.url, directory)
