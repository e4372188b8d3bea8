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

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse

from .._bearer import BearerError, BearerGuard, normalise_scopes, options_from_config

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
    value = meta.get("HTTP_AUTHORIZATION")
    return guard.authenticate([] if value is None else [value], meta.get("QUERY_STRING", ""))


class JWTAuthMiddleware:
    """Verify the bearer token of every request that has one; see the module docstring."""

    sync_capable = True
    async_capable = False  # Django runs it in a thread under ASGI: no loop is ever blocked

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        get_guard()  # a configuration mistake shows at start-up, not on the first request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        guard = get_guard()
        try:
            claims = authenticate(request, guard)
        except BearerError as error:
            return error_response(error, guard.realm)
        request.jwt_claims = claims
        return self.get_response(request)


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
                # A key fetch may block: it happens in a worker thread, off the event loop.
                refusal = await sync_to_async(_check)(_request_of(args), needed)
                return refusal if refusal is not None else await view(*args, **kwargs)

            return cast(View, protected_async)

        @functools.wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            refusal = _check(_request_of(args), needed)
            return refusal if refusal is not None else view(*args, **kwargs)

        return cast(View, protected)

    return decorate
