"""What a user does in the browser, as steps the tests share (Playwright's sync API).

Only what a person sees is used to find things: link and button names, field labels. Every
wait is bounded by the context's default timeout (conftest.STEP_TIMEOUT_MS).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from browser_stack import PASSWORD, Stack, WebApp
from playwright.sync_api import expect


def fill_login_form(page: Any, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def allow_if_asked(page: Any, app: WebApp) -> None:
    """Click "Allow" on the consent page when the server shows it; then be back in ``app``."""
    allow = page.get_by_role("button", name="Allow")
    orders = page.locator("#orders")
    expect(allow.or_(orders)).to_be_visible()
    if allow.is_visible():
        allow.click()
    expect(orders).to_be_visible()
    assert page.url == f"{app.url}/", page.url


def sign_in(page: Any, app: WebApp, username: str) -> None:
    """From ``app``'s start page to its orders, typing the password at the server."""
    page.goto(app.url)
    page.get_by_role("link", name="Sign in").click()
    fill_login_form(page, username)
    allow_if_asked(page, app)


def sign_out(page: Any, app: WebApp) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert page.url.startswith(f"{app.url}/signed-out?"), page.url


@dataclass(frozen=True)
class Pkce:
    """RFC 7636 S256: the verifier the client keeps and the challenge it sends."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def authorize_url(stack: Stack, app: WebApp, **parameters: str) -> str:
    """An authorization request as ``app`` would send it; ``parameters`` change or add members
    (an empty value leaves the member out)."""
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": "openid orders:read",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge_method": "S256",
        **parameters,
    }
    endpoint = stack.metadata()["authorization_endpoint"]
    return f"{endpoint}?{urlencode({key: value for key, value in query.items() if value})}"


def authorization_response(page: Any, app: WebApp, url: str, username: str) -> dict[str, str]:
    """Open ``url`` (an authorization request the test made as ``app``), sign in and allow as
    needed, and read the server's redirect back to ``app``: answers its parameters.

    The browser then follows the redirect to the app, which refuses it (the ``state`` is not
    one it issued) without exchanging the code, so the code is still the test's to use.
    """
    redirects: list[str] = []

    def record(response: Any) -> None:
        location = response.headers.get("location", "")
        if response.status in (302, 303) and location.startswith(f"{app.redirect_uri}?"):
            redirects.append(location)

    page.on("response", record)
    page.goto(url)
    password = page.get_by_label("Password")
    allow = page.get_by_role("button", name="Allow")
    refused_by_the_app = page.get_by_role("alert")
    expect(password.or_(allow).or_(refused_by_the_app)).to_be_visible()
    if password.is_visible():
        fill_login_form(page, username)
        expect(allow.or_(refused_by_the_app)).to_be_visible()
    if allow.is_visible():
        allow.click()
    expect(refused_by_the_app).to_be_visible()
    assert page.url.startswith(f"{app.redirect_uri}?"), page.url
    page.remove_listener("response", record)
    assert len(redirects) == 1, redirects
    return {key: values[0] for key, values in parse_qs(urlsplit(redirects[0]).query).items()}
