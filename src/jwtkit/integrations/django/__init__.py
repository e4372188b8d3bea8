"""Django: ``JWTAuthMiddleware`` (``request.jwt_claims``) and the ``require_token`` decorator.

    # settings.py
    JWTKIT = {"ISSUER": "https://auth.example.com", "AUDIENCE": "orders-api"}
    MIDDLEWARE = [..., "jwtkit.integrations.django.JWTAuthMiddleware"]

    # views.py
    @require_token(scopes=["orders:read"])
    def orders(request):
        return JsonResponse({"for": request.jwt_claims["sub"]})

The middleware verifies a bearer token when a request carries one and puts its claims on
``request.jwt_claims`` (None without a token); a malformed or invalid token is refused
right there. ``require_token`` answers a request without a token (401) or without a scope
(403), and works without the middleware too. Every answer is the RFC 6750 one of
:mod:`jwtkit.integrations._bearer`. Django REST framework: see
:mod:`jwtkit.integrations.django.rest_framework`. Settings keys are the guard's options in
capitals (``JWKS_URL``, ``REVOCATION``, ``CLIENT_ID``, ...); changing ``JWTKIT`` (as
``override_settings`` does in tests) rebuilds the guard.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse

from .._bearer import (
    BearerError,
    BearerGuard,
    normalise_scopes,
    options_from_config,
    wsgi_authorization,
)

__all__ = ["JWTAuthMiddleware", "get_guard", "require_token"]

View = TypeVar("View", bound=Callable[..., Any])
_guard: BearerGuard | None = None


def get_guard() -> BearerGuard:
    """The guard built from ``settings.JWTKIT`` (once; again after the setting changes)."""
    global _guard
    guard = _guard
    if guard is None:
        config = getattr(settings, "JWTKIT", None)
        if not isinstance(config, dict):
            raise ImproperlyConfigured(
                'Set JWTKIT = {"ISSUER": "https://...", "AUDIENCE": "..."} in your settings'
            )
        guard = _guard = BearerGuard(**options_from_config(config))
    return guard


def _forget_guard(*, setting: str, **kwargs: Any) -> None:
    global _guard
    if setting == "JWTKIT":
        _guard = None


setting_changed.connect(_forget_guard)


def error_response(error: BearerError, realm: str) -> HttpResponse:
    response = HttpResponse(error.body(), status=error.status, content_type="application/json")
    for name, value in error.headers(realm).items():
        response[name] = value
    return response


def authenticate(request: Any, guard: BearerGuard) -> dict[str, Any] | None:
    """The claims of a Django (or DRF) request's token; None without one."""
    meta = request.META
    return guard.authenticate(wsgi_authorization(meta), meta.get("QUERY_STRING", ""))


class JWTAuthMiddleware:
    """Verify the bearer token of every request that has one; see the module docstring.

    Under ASGI the check runs in a worker thread of its own (never on the event loop, and
    not in Django's one shared thread for sync code, where a slow key fetch or
    introspection would hold up every other request)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        get_guard()  # a configuration mistake shows at start-up, not on the first request

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._call_async(request)
        refusal = _verify_for_middleware(request)
        return refusal if refusal is not None else self.get_response(request)

    async def _call_async(self, request: HttpRequest) -> Any:
        refusal = await _verify_for_middleware_async(request)
        return refusal if refusal is not None else await self.get_response(request)


def _verify_for_middleware(request: HttpRequest) -> HttpResponse | None:
    """Set ``request.jwt_claims``, or the refusal when the request's token is bad."""
    guard = get_guard()
    try:
        request.jwt_claims = authenticate(request, guard)
    except BearerError as error:
        return error_response(error, guard.realm)
    return None


def _check(request: HttpRequest, needed: tuple[str, ...]) -> HttpResponse | None:
    guard = get_guard()
    try:
        if hasattr(request, "jwt_claims"):  # the middleware already verified it
            claims = request.jwt_claims
        else:
            claims = authenticate(request, guard)
            request.jwt_claims = claims
        guard.require(claims, needed)
    except BearerError as error:
        return error_response(error, guard.realm)
    return None


# A key fetch or an introspection may wait on the network: off the event loop, and in a
# thread of its own rather than Django's one thread for sync code (thread_sensitive), so one
# slow check never holds up the others. Neither touches the database.
_check_async = sync_to_async(_check, thread_sensitive=False)
_verify_for_middleware_async = sync_to_async(_verify_for_middleware, thread_sensitive=False)


def _request_of(arguments: tuple[Any, ...]) -> HttpRequest:
    """The request among a view's arguments: the first, or the second when the decorator sits
    straight on a class-based view's method (``self`` first)."""
    for argument in arguments[:2]:
        if hasattr(argument, "META"):
            return cast(HttpRequest, argument)
    raise TypeError("require_token decorates a view that takes the request")


def require_token(scopes: Any = None) -> Any:
    """Decorate a view (sync or async; ``method_decorator`` for class-based views): it runs
    only for a valid token carrying every one of ``scopes`` (a list, or one space-separated
    string). ``@require_token`` alone needs a token and no scope."""
    if callable(scopes):
        return require_token()(scopes)
    needed = normalise_scopes(cast("str | Iterable[str] | None", scopes))

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def protected_async(*args: Any, **kwargs: Any) -> Any:
                refusal = await _check_async(_request_of(args), needed)
                return refusal if refusal is not None else await view(*args, **kwargs)

            protected_async.csrf_exempt = True  # type: ignore[attr-defined]
            return cast(View, protected_async)

        @functools.wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            refusal = _check(_request_of(args), needed)
            return refusal if refusal is not None else view(*args, **kwargs)

        # CSRF protects credentials a browser sends by itself (cookies); a bearer token never
        # is, and without one this view is not reached: Django's CSRF check has nothing to
        # protect here and would answer API clients with its HTML 403 (as DRF's views do).
        protected.csrf_exempt = True  # type: ignore[attr-defined]
        return cast(View, protected)

    return decorate
