"""jwtkit.integrations.django: JWTAuthMiddleware, require_token and the JWTKIT setting.

Django runs in-process with the test client on the URLconf of django_urls.py; the RFC 6750
answers are checked for every framework in test_rfc6750.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from jwtkit.integrations.django import get_guard
from loopback_issuer import LoopbackIssuer

MIDDLEWARE = ["jwtkit.integrations.django.JWTAuthMiddleware"]


@pytest.fixture
def settings_for(issuer: LoopbackIssuer) -> Iterator[dict[str, Any]]:
    yield {"ISSUER": issuer.issuer, "AUDIENCE": "api"}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_middleware_sets_jwt_claims(issuer: LoopbackIssuer, settings_for: Any) -> None:
    with override_settings(JWTKIT=settings_for, MIDDLEWARE=MIDDLEWARE):
        client = Client()
        assert client.get("/public").json() == {"anonymous": True}
        assert client.get("/public", **bearer(issuer.token())).json() == {"anonymous": False}
        # A bad token is refused by the middleware, even on a public view.
        refused = client.get("/public", **bearer(issuer.token(aud="other")))
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')


def test_require_token_works_without_the_middleware(
    issuer: LoopbackIssuer, settings_for: Any
) -> None:
    with override_settings(JWTKIT=settings_for, MIDDLEWARE=[]):
        client = Client()
        assert client.get("/orders", **bearer(issuer.token())).json()["orders"] == [1, 2, 3]
        assert client.get("/orders").status_code == 401
        assert client.get("/orders", **bearer(issuer.token(scope="x"))).status_code == 403
        assert client.get("/public", **bearer("a.b.c")).status_code == 200  # no check there


@pytest.mark.parametrize("middleware", [MIDDLEWARE, []])
def test_class_based_and_async_views(
    issuer: LoopbackIssuer, settings_for: Any, middleware: list[str]
) -> None:
    with override_settings(JWTKIT=settings_for, MIDDLEWARE=middleware):
        client = Client()
        answer = client.get("/orders/class", **bearer(issuer.token()))
        assert answer.json() == {"sub": "alice", "view": "class"}
        assert client.get("/orders/class").status_code == 401
        write = issuer.token(scope="orders:read orders:write")
        assert client.get("/orders/write", **bearer(write)).json() == {
            "sub": "alice",
            "created": True,
        }
        answer = client.get("/orders/write", **bearer(issuer.token()))
        assert answer.status_code == 403
        assert answer["WWW-Authenticate"].endswith('scope="orders:read orders:write"')


@pytest.mark.parametrize("middleware", [MIDDLEWARE, []])
def test_require_token_straight_on_a_view_method(
    issuer: LoopbackIssuer, settings_for: Any, middleware: list[str]
) -> None:
    """Without ``method_decorator`` the first argument is the view, not the request: before
    the fix every request was a 500 (AttributeError); now the request is found."""
    with override_settings(JWTKIT=settings_for, MIDDLEWARE=middleware):
        client = Client()
        answer = client.get("/orders/method", **bearer(issuer.token()))
        assert answer.json() == {"sub": "alice", "view": "method"}
        refused = client.get("/orders/method")
        assert (refused.status_code, refused["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
        assert client.get("/orders/method", **bearer(issuer.token(scope="x"))).status_code == 403


def test_a_missing_setting_is_improperly_configured() -> None:
    with override_settings(JWTKIT=None), pytest.raises(ImproperlyConfigured, match="JWTKIT"):
        get_guard()


def test_changing_the_setting_rebuilds_the_guard(issuer: LoopbackIssuer) -> None:
    with override_settings(JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "orders"}):
        assert get_guard().audience == "orders"
        with override_settings(JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "billing"}):
            assert get_guard().audience == "billing"
        assert get_guard().audience == "orders"


def test_a_misspelt_setting_fails_at_start_up(issuer: LoopbackIssuer) -> None:
    from jwtkit.errors import InvalidOptionError
    from jwtkit.integrations.django import JWTAuthMiddleware

    with (
        override_settings(JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "a", "JWKS_URI": "x"}),
        pytest.raises(InvalidOptionError, match="JWKS_URI"),
    ):
        JWTAuthMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize(("middleware", "path"), [(MIDDLEWARE, "/orders"), ([], "/orders/write")])
def test_under_asgi_one_slow_check_does_not_hold_up_the_others(
    issuer: LoopbackIssuer, middleware: list[str], path: str
) -> None:
    """Under ASGI, Django runs sync code in one shared thread unless told otherwise: while
    one request's introspection waits on a slow issuer, a request whose answer is cached
    must still be served (before the fix it waited for the other one)."""
    import asyncio
    import threading

    from django.test import AsyncClient

    from loopback_issuer import CLIENT_ID, CLIENT_SECRET, INTROSPECTION_PATH

    settings = {
        "ISSUER": issuer.issuer,
        "AUDIENCE": "api",
        "REVOCATION": "introspection",
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REVOCATION_CACHE_SECONDS": 300,
        "HTTP_TIMEOUT": 30,  # the slow request waits for the gate, however long that takes
    }
    scope = "orders:read orders:write"
    known, fresh = issuer.token(scope=scope), issuer.token(scope=scope)
    gate = threading.Event()

    def auth(token: str) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Bearer {token}"}}

    async def run() -> tuple[int, int]:
        client = AsyncClient()
        assert (await client.get(path, **auth(known))).status_code == 200  # answer cached
        issuer.hold[INTROSPECTION_PATH] = gate
        slow = asyncio.ensure_future(client.get(path, **auth(fresh)))
        for _ in range(200):  # until the slow request's introspection reached the issuer
            if issuer.requests[INTROSPECTION_PATH] == 2:
                break
            await asyncio.sleep(0.01)
        try:
            # Bounded, not timed: without the fix this waits for the gate (up to 10 s).
            quick = await asyncio.wait_for(client.get(path, **auth(known)), timeout=5)
        finally:
            gate.set()
        return quick.status_code, (await slow).status_code

    with override_settings(JWTKIT=settings, MIDDLEWARE=middleware):
        assert asyncio.run(run()) == (200, 200)


@pytest.mark.parametrize("path", ["/orders/write", "/orders/class"])
def test_a_token_guarded_view_needs_no_csrf_token(
    issuer: LoopbackIssuer, settings_for: Any, path: str
) -> None:
    """Django's default MIDDLEWARE has CsrfViewMiddleware: a POST with a valid bearer token
    got its 403 HTML page, and one without a token 403 instead of RFC 6750's 401. A bearer
    token is never sent by a browser on its own, so a view that requires one is exempt."""
    middleware = ["django.middleware.csrf.CsrfViewMiddleware", *MIDDLEWARE]
    with override_settings(JWTKIT=settings_for, MIDDLEWARE=middleware):
        client = Client(enforce_csrf_checks=True)
        token = issuer.token(scope="orders:read orders:write")
        answer = client.post(path, **bearer(token))
        assert answer.status_code in (200, 405)  # reached the view (class view: no post)
        refused = client.post(path)
        assert (refused.status_code, refused["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
