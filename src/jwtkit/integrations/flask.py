"""Flask: ``JWTAuth``, a decorator for protected views and ``current_claims``.

    jwt_auth = JWTAuth(app, issuer="https://auth.example.com", audience="orders-api")

    @app.get("/orders")
    @jwt_auth.required(scopes=["orders:read"])
    def orders():
        return {"for": current_claims["sub"]}

Options come as keyword arguments, from ``app.config["JWTKIT_<NAME>"]`` (``JWTKIT_ISSUER``,
``JWTKIT_AUDIENCE``, ...), or both (keywords win); ``JWTAuth(**options).init_app(app)``
serves the application-factory pattern. A refused request gets the RFC 6750 answer of
:mod:`jwtkit.integrations._bearer` as a JSON response. A view decorated in the careless
order (``@jwt_auth.required`` above the route decorator, so the app registers the bare
function) is refused at import when the app already knows the route, and otherwise (a
blueprint, a factory) guarded by a ``before_request`` hook, never left open.
"""

from __future__ import annotations

import functools
import inspect
import logging
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast, overload

from flask import Flask, Response, current_app, g, request
from werkzeug.local import LocalProxy

from ..errors import InvalidOptionError
from ._bearer import (
    BearerError,
    BearerGuard,
    normalise_scopes,
    options_from_config,
    wsgi_authorization,
)

__all__ = ["JWTAuth", "current_claims"]

_FLASK_ENSURE_SYNC = Flask.ensure_sync
View = TypeVar("View", bound=Callable[..., Any])
_CONFIG_PREFIX = "JWTKIT_"
logger = logging.getLogger("jwtkit.integrations.flask")


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
        # Every function ``required`` wrapped, by id: the function itself (ids are reused
        # only after it is gone, and this keeps it) and the scopes it needs.
        self._wrapped: dict[int, tuple[Callable[..., Any], tuple[str, ...]]] = {}
        self._warned: set[int] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Build this app's guard from ``app.config`` and the keyword options."""
        options = {**options_from_config(app.config, _CONFIG_PREFIX), **self._options}
        app.extensions.setdefault("jwtkit", {})[self] = BearerGuard(**options)
        if app not in self._apps:  # init_app again (new settings) needs no second hook
            app.before_request(self._guard_views_routed_unwrapped)
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
            wrapped = self._wrapped.get(id(view))
            earlier = wrapped[1] if wrapped is not None and wrapped[0] is view else ()
            self._wrapped[id(view)] = (view, tuple(dict.fromkeys((*earlier, *needed))))

            # Flask's own ensure_sync returns a plain function unchanged: decided once here
            # instead of by inspect on every request. An app that overrides ensure_sync is
            # asked every time, as Flask would.
            plain = not inspect.iscoroutinefunction(view)

            @functools.wraps(view)
            def protected(*args: Any, **kwargs: Any) -> Any:
                refusal = self._refusal(needed)
                if refusal is not None:
                    return refusal
                ensure_sync = current_app.ensure_sync
                if plain and getattr(ensure_sync, "__func__", None) is _FLASK_ENSURE_SYNC:
                    return view(*args, **kwargs)
                return ensure_sync(view)(*args, **kwargs)

            return cast(View, protected)

        return decorate

    def _refusal(self, needed: tuple[str, ...]) -> Response | None:
        """The RFC 6750 answer when the request may not run a view that needs ``needed``;
        None (and ``current_claims`` set) when it may."""
        guard = self.guard
        try:
            environ = request.environ
            claims = guard.authenticate(
                wsgi_authorization(environ), environ.get("QUERY_STRING", "")
            )
            guard.require(claims, needed)
        except BearerError as error:
            return error_response(error, guard.realm)
        g.jwtkit_claims = claims
        return None

    def _guard_views_routed_unwrapped(self) -> Response | None:
        # Above its route decorator, ``required`` wraps a function the app has registered
        # bare. Import time cannot always see it (a blueprint's routes reach the app later,
        # a factory binds JWTAuth later), so every request checks its view here.
        endpoint = request.endpoint
        if endpoint is None:
            return None
        view = current_app.view_functions.get(endpoint)
        wrapped = self._wrapped.get(id(view))
        if wrapped is None or wrapped[0] is not view:
            return None
        if id(view) not in self._warned:
            self._warned.add(id(view))
            logger.warning(
                "%s is routed without @jwt_auth.required's wrapper (the decorator is above "
                "the route decorator); jwtkit guards it, but put @jwt_auth.required below it",
                getattr(view, "__qualname__", endpoint),
            )
        return self._refusal(wrapped[1])

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
