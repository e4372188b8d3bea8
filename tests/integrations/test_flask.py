"""jwtkit.integrations.flask: JWTAuth, its configuration, the decorator and current_claims.

The RFC 6750 answers are checked for every framework in test_rfc6750.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask

from jwtkit.errors import InvalidOptionError
from jwtkit.integrations.flask import JWTAuth, current_claims
from loopback_issuer import LoopbackIssuer


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_app(jwt_auth: JWTAuth, **config: Any) -> Flask:
    """The application-factory pattern: JWTAuth made at import, bound per app."""
    app = Flask("factory")
    app.config.update(config)
    jwt_auth.init_app(app)

    @app.get("/orders")
    @jwt_auth.required(scopes="orders:read")
    def orders() -> dict[str, Any]:
        return {"sub": current_claims["sub"], "aud": current_claims["aud"]}

    @app.get("/async")
    @jwt_auth.required()
    async def async_view() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    return app


def test_options_come_from_app_config(issuer: LoopbackIssuer) -> None:
    jwt_auth = JWTAuth()
    app = create_app(jwt_auth, JWTKIT_ISSUER=issuer.issuer, JWTKIT_AUDIENCE="api")
    client = app.test_client()
    assert client.get("/orders", headers=bearer(issuer.token())).json == {
        "sub": "alice",
        "aud": "api",
    }
    assert client.get("/async", headers=bearer(issuer.token())).json == {"sub": "alice"}
    assert client.get("/orders", headers=bearer(issuer.token(scope="x"))).status_code == 403


def test_keyword_options_win_over_config(issuer: LoopbackIssuer) -> None:
    jwt_auth = JWTAuth(audience="billing")
    app = create_app(jwt_auth, JWTKIT_ISSUER=issuer.issuer, JWTKIT_AUDIENCE="api")
    answer = app.test_client().get("/orders", headers=bearer(issuer.token(aud="billing")))
    assert answer.json == {"sub": "alice", "aud": "billing"}


def test_one_jwt_auth_serves_two_apps_with_their_own_settings(issuer: LoopbackIssuer) -> None:
    jwt_auth = JWTAuth()
    orders = create_app(jwt_auth, JWTKIT_ISSUER=issuer.issuer, JWTKIT_AUDIENCE="orders")
    billing = create_app(jwt_auth, JWTKIT_ISSUER=issuer.issuer, JWTKIT_AUDIENCE="billing")
    token = issuer.token(aud="orders")
    assert orders.test_client().get("/orders", headers=bearer(token)).status_code == 200
    assert billing.test_client().get("/orders", headers=bearer(token)).status_code == 401


def test_rejects_a_misspelt_setting_at_init(issuer: LoopbackIssuer) -> None:
    with pytest.raises(InvalidOptionError, match="JWTKIT_AUDIANCE"):
        create_app(JWTAuth(), JWTKIT_ISSUER=issuer.issuer, JWTKIT_AUDIANCE="api")


def test_a_missing_init_app_is_a_clear_setup_error(issuer: LoopbackIssuer) -> None:
    jwt_auth = JWTAuth()
    app = Flask("forgot")

    @app.get("/x")
    @jwt_auth.required
    def view() -> str:
        return "never"

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="init_app"):
        app.test_client().get("/x", headers=bearer(issuer.token()))


def test_current_claims_outside_a_protected_view_is_an_error(issuer: LoopbackIssuer) -> None:
    app = Flask("outside")
    with app.test_request_context(), pytest.raises(RuntimeError, match="required"):
        current_claims["sub"]


def test_a_view_that_edits_current_claims_cannot_poison_the_next_request(
    issuer: LoopbackIssuer,
) -> None:
    app = Flask("poison")
    jwt_auth = JWTAuth(app, issuer=issuer.issuer, audience="api")

    @app.get("/me")
    @jwt_auth.required
    def me() -> dict[str, Any]:
        current_claims["scope"] = "orders:read admin"
        return {"ok": True}

    @app.get("/admin")
    @jwt_auth.required(scopes=["admin"])
    def admin() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    client = app.test_client()
    token = issuer.token()
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.get("/admin", headers=bearer(token)).status_code == 403


def test_rejects_required_above_the_route_decorator(issuer: LoopbackIssuer) -> None:
    # The careless order would leave the route unprotected; it fails at import instead.
    app = Flask("careless")
    jwt_auth = JWTAuth(app, issuer=issuer.issuer, audience="api")
    with pytest.raises(InvalidOptionError, match=r"below @app\.route"):

        @jwt_auth.required(scopes=["orders:read"])
        @app.get("/orders")
        def orders() -> dict[str, Any]:
            return {"orders": "for anyone"}


def test_required_above_a_blueprint_route_still_protects_it(
    issuer: LoopbackIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    # A blueprint registers its routes only when the app registers it, so the import-time
    # check cannot see the careless order: the route must be guarded anyway.
    app = Flask("careless_blueprint")
    jwt_auth = JWTAuth(app, issuer=issuer.issuer, audience="api")
    admin = Blueprint("admin", __name__)

    @jwt_auth.required(scopes=["admin"])
    @admin.get("/admin")
    def admin_view() -> dict[str, Any]:
        return {"sub": current_claims["sub"]}

    app.register_blueprint(admin)
    client = app.test_client()
    assert client.get("/admin").status_code == 401
    assert client.get("/admin", headers=bearer(issuer.token())).status_code == 403
    answer = client.get("/admin", headers=bearer(issuer.token(scope="admin")))
    assert (answer.status_code, answer.json) == (200, {"sub": "alice"})
    assert [record.getMessage() for record in caplog.records if "below" in record.getMessage()]


def test_required_above_the_route_in_an_app_factory_still_protects_it(
    issuer: LoopbackIssuer,
) -> None:
    # Application factory: the view is decorated before init_app binds JWTAuth to the app.
    jwt_auth = JWTAuth(issuer=issuer.issuer, audience="api")
    app = Flask("careless_factory")

    @jwt_auth.required(scopes=["admin"])
    @app.get("/admin")
    def admin_view() -> dict[str, Any]:
        return {"secret": True}

    jwt_auth.init_app(app)
    client = app.test_client()
    assert client.get("/admin").status_code == 401
    assert client.get("/admin", headers=bearer(issuer.token())).status_code == 403
    assert client.get("/admin", headers=bearer(issuer.token(scope="admin"))).status_code == 200


def test_a_protected_view_runs_through_the_apps_own_ensure_sync(issuer: LoopbackIssuer) -> None:
    """Flask's hook for how a view is run: an app that overrides ``ensure_sync`` (here, so
    that an object with an async ``__call__`` works as a view) is asked for protected
    views too (found by review: the wrapper once called such a view directly, a 500)."""
    import inspect

    class AsyncObjectsApp(Flask):
        def ensure_sync(self, func: Any) -> Any:
            if inspect.iscoroutinefunction(type(func).__call__):
                return self.async_to_sync(func)
            return super().ensure_sync(func)

    class Report:
        __name__ = "report"

        async def __call__(self) -> dict[str, Any]:
            return {"sub": current_claims["sub"]}

    app = AsyncObjectsApp("objects")
    jwt_auth = JWTAuth(app, issuer=issuer.issuer, audience="api")
    app.add_url_rule("/report", "report", jwt_auth.required(Report()))
    client = app.test_client()
    assert client.get("/report", headers=bearer(issuer.token())).json == {"sub": "alice"}
    assert client.get("/report").status_code == 401
