"""jwtkit.integrations.django.rest_framework: JWTAuthentication and HasScopes under DRF.

The RFC 6750 answers (the same as every other framework's) are in test_rfc6750.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from jwtkit.integrations._bearer import TokenUser
from loopback_issuer import METADATA_PATH, LoopbackIssuer


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("middleware", [["jwtkit.integrations.django.JWTAuthMiddleware"], []])
def test_request_user_is_a_token_user_and_auth_the_claims(
    issuer: LoopbackIssuer, middleware: list[str]
) -> None:
    with override_settings(
        JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "api"}, MIDDLEWARE=middleware
    ):
        client = Client()
        assert client.get("/drf/secure-endpoint", **bearer(issuer.token())).json() == {
            "sub": "alice"
        }
        assert client.get("/drf/orders", **bearer(issuer.token())).json()["orders"] == [1, 2, 3]
        assert client.get("/drf/public").json() == {"anonymous": True}
        assert client.get("/drf/public", **bearer(issuer.token())).json() == {"anonymous": False}


def test_the_token_user_is_no_database_user() -> None:
    user = TokenUser({"sub": "alice"}, frozenset({"orders:read"}))
    assert (user.is_authenticated, user.is_anonymous, user.pk, user.get_username()) == (
        True,
        False,
        "alice",
        "alice",
    )
    assert not user.has_perm("auth.delete_user") and not user.is_staff and not user.is_superuser


def test_an_unreachable_issuer_is_503_with_retry_after(issuer: LoopbackIssuer) -> None:
    issuer.responses[METADATA_PATH] = (502, {}, b"")
    with override_settings(JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "api"}, MIDDLEWARE=[]):
        answer = Client().get("/drf/secure-endpoint", **bearer(issuer.token()))
    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    assert "WWW-Authenticate" not in answer
    body: dict[str, Any] = answer.json()
    assert body["detail"]["error"] == "temporarily_unavailable"


@pytest.mark.parametrize("middleware", [["jwtkit.integrations.django.JWTAuthMiddleware"], []])
@pytest.mark.parametrize("view", ["authenticated", "allow-any"])
def test_required_scopes_hold_on_a_view_that_forgot_has_scopes(
    issuer: LoopbackIssuer, middleware: list[str], view: str
) -> None:
    """``required_scopes`` on a view whose permission classes lack ``HasScopes`` (DRF's
    default is AllowAny; a view setting ``(IsAuthenticated,)`` drops a default HasScopes):
    before the fix any token, or none, reached the view."""
    with override_settings(
        JWTKIT={"ISSUER": issuer.issuer, "AUDIENCE": "api"}, MIDDLEWARE=middleware
    ):
        client = Client()
        url = f"/drf/careless/{view}"
        refused = client.get(url, **bearer(issuer.token(scope="orders:read")))
        assert refused.status_code == 403
        assert refused["WWW-Authenticate"] == (
            'Bearer realm="api", error="insufficient_scope", error_description="The access '
            'token does not grant the scope this needs", scope="orders:write"'
        )
        anonymous = client.get(url)
        assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
        granted = client.get(url, **bearer(issuer.token(scope="orders:write")))
        assert granted.json() == {"written": True}
