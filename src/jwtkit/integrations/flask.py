"""Flask: ``JWTAuth``, a decorator for protected views and ``current_claims``.

    jwt_auth = JWTAuth(app, issuer="https://auth.example.com", audience="orders-api")

    @app.get("/orders")
    @jwt_auth.required(scopes=["orders:read"])
    def orders():
        return {"for": current_claims["sub"]}

Options come as keyword arguments, from ``app.config["JWTKIT_<NAME>"]`` (``JWTKIT_ISSUER``,
``JWTKIT_AUDIENCE``, ...), or both (keywords win); ``JWTAuth(**options).init_app(app)``
serves the application-factory pattern. A refused request gets the RFC 6750 answer of
:mod:`jwtkit.integrations._bearer` as a JSON response.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast, overload

from flask import Flask, Response, current_app, g, request
from werkzeug.local import LocalProxy

from ..errors import InvalidOptionError
from ._bearer import BearerError, BearerGuard, normalise_scopes, options_from_config

__all__ = ["JWTAuth", "current_claims"]

View = TypeVar("View", bound=Callable[..., Any])
_CONFIG_PREFIX = "JWTKIT_"


def error_response(error: BearerError, realm: str) -> Response:
    return Response(
        error.body(),
        status=error.status,
        headers=error.headers(realm),
        mimetype="application/json",
    )


class JWTAuth:
    """Protects Flask views; one instance may serve several apps (``init_app`` each)."""

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        self._options = options
        self._apps: weakref.WeakSet[Flask] = weakref.WeakSet()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Build this app's guard from ``app.config`` and the keyword options."""
        options = {**options_from_config(app.config, _CONFIG_PREFIX), **self._options}
        app.extensions.setdefault("jwtkit", {})[self] = BearerGuard(**options)
        self._apps.add(app)

    @property
    def guard(self) -> BearerGuard:
        """The current app's guard."""
        guards = current_app.extensions.get("jwtkit", {})
        if self not in guards:
            raise RuntimeError("This JWTAuth is not set up for this app: call init_app(app)")
        guard: BearerGuard = guards[self]
        return guard

    @overload
    def required(self, scopes: View) -> View: ...
    @overload
    def required(self, scopes: str | Iterable[str] | None = None) -> Callable[[View], View]: ...

    def required(self, scopes: Any = None) -> Any:
        """Decorate a view: it runs only for a valid token carrying every one of ``scopes``
        (a list, or one space-separated string); ``@jwt_auth.required`` needs no scope."""
        if callable(scopes):
            return self.required()(scopes)
        needed = normalise_scopes(scopes)

        def decorate(view: View) -> View:
            self._refuse_if_already_routed(view)

            @functools.wraps(view)
            def protected(*args: Any, **kwargs: Any) -> Any:
                guard = self.guard
                try:
                    claims = guard.authenticate(
                        request.headers.getlist("Authorization"), request.query_string
                    )
                    guard.require(claims, needed)
                except BearerError as error:
                    return error_response(error, guard.realm)
                g.jwtkit_claims = claims
                return current_app.ensure_sync(view)(*args, **kwargs)

            return cast(View, protected)

        return decorate

    def _refuse_if_already_routed(self, view: Callable[..., Any]) -> None:
        # Decorators apply bottom-up: above @app.route, this would wrap a function the app
        # has already registered, and the route would stay unprotected. Say so at import.
        for app in list(self._apps):
            if any(function is view for function in app.view_functions.values()):
                raise InvalidOptionError(
                    f"{getattr(view, '__name__', 'This view')} is already a route: put "
                    "@jwt_auth.required below @app.route (decorators apply bottom-up)"
                )


def _current_claims() -> dict[str, Any]:
    claims = g.get("jwtkit_claims")
    if claims is None:
        raise RuntimeError("current_claims is set only inside a view under @jwt_auth.required")
    return cast(dict[str, Any], claims)


#: The verified claims of the request being handled (inside a ``required`` view).
current_claims: dict[str, Any] = cast(dict[str, Any], LocalProxy(_current_claims))
