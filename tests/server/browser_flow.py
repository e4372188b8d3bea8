"""Helpers that walk the browser sign-in flow over httpx, as a browser without JavaScript
would: read the form's hidden fields, post it, follow nothing automatically."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .conftest import Server

REDIRECT_URI = "https://app.test/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the page's form."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {name: html.unescape(value) for name, value in fields}


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Flow:
    """One authorization request's parameters (and its PKCE verifier)."""

    client_id: str
    redirect_uri: str = REDIRECT_URI
    scope: str = "openid profile email"
    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    verifier: str = ""
    challenge: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.verifier:
            self.verifier, self.challenge = pkce_pair()

    def parameters(self) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **self.extra,
        }


async def authorize(client: httpx.AsyncClient, flow: Flow) -> httpx.Response:
    return await client.get("/authorize", params=flow.parameters())


async def submit_login(
    client: httpx.AsyncClient, page: httpx.Response, username: str, password: str
) -> httpx.Response:
    fields = hidden_fields(page.text)
    return await client.post(
        "/authorize/login", data={**fields, "username": username, "password": password}
    )


async def submit_consent(
    client: httpx.AsyncClient, page: httpx.Response, decision: str = "allow"
) -> httpx.Response:
    return await client.post(
        "/authorize/consent", data={**hidden_fields(page.text), "decision": decision}
    )


async def sign_in(
    server: Server, flow: Flow, username: str, *, client: httpx.AsyncClient | None = None
) -> dict[str, str]:
    """Walk authorize -> login -> (consent) -> redirect; the redirect's query parameters."""
    http = client or server.client
    response = await authorize(http, flow)
    if response.status_code == 200 and 'action="/authorize/login"' in response.text:
        response = await submit_login(http, response, username, server.passwords[username])
    if response.status_code == 200 and 'action="/authorize/consent"' in response.text:
        response = await submit_consent(http, response)
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(flow.redirect_uri + "?"), location
    return query_of(location)


async def exchange(
    server: Server, flow: Flow, code: str, *, client: httpx.AsyncClient | None = None, **extra: Any
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.redirect_uri,
        "code_verifier": flow.verifier,
        "client_id": flow.client_id,
        **extra,
    }
    data = {name: value for name, value in data.items() if value is not None}
    return await (client or server.client).post("/auth/token", data=data)


async def public_client(server: Server, *, first_party: bool = False, **options: Any) -> str:
    client, _ = await server.runtime.clients.create(
        "Example app",
        grant_types=["authorization_code", "refresh_token"],
        redirect_uris=[REDIRECT_URI],
        public=True,
        first_party=first_party,
        **options,
    )
    return client.id


async def signed_in(
    server: Server, username: str = "alice", *, first_party: bool = False
) -> tuple[Flow, dict[str, Any]]:
    """``username`` registered and signed in to a new public app through the browser flow,
    its code exchanged: the app's flow and the token response."""
    await server.register(username)
    flow = Flow(await public_client(server, first_party=first_party))
    code = (await sign_in(server, flow, username))["code"]
    tokens: dict[str, Any] = (await exchange(server, flow, code)).json()
    return flow, tokens
