"""Django REST framework: ``JWTAuthentication`` and the ``HasScopes`` permission.

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
        "jwtkit.integrations.django.rest_framework.JWTAuthentication",
    ]}

    class Orders(APIView):
        permission_classes = [HasScopes]
        required_scopes = ["orders:read"]

``request.user`` is a :class:`~jwtkit.integrations._bearer.TokenUser` (no database user)
and ``request.auth`` the verified claims. Settings are the same ``JWTKIT`` dict as for the
Django middleware; refusals carry the same status, ``WWW-Authenticate`` header and body as
every other jwtkit integration (DRF's exception handler renders them).

``required_scopes`` on a view is a requirement, not a hint: on a view whose permission
classes lack ``HasScopes`` (DRF defaults to ``AllowAny``; a view's own
``permission_classes = (IsAuthenticated,)`` drops a default ``HasScopes``),
``JWTAuthentication`` enforces the scopes itself and logs a warning once per view class.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission

from .._bearer import RETRY_AFTER_SECONDS, BearerError, TokenUser, normalise_scopes
from . import authenticate, get_guard

__all__ = ["BearerAPIException", "HasScopes", "JWTAuthentication"]

_UNSET = object()
logger = logging.getLogger("jwtkit.integrations.django")
#: View classes found declaring ``required_scopes`` without ``HasScopes`` (warned once).
_UNGUARDED_VIEWS: set[type] = set()


class BearerAPIException(APIException):  # type: ignore[misc]
    """An RFC 6750 refusal in the form DRF's exception handler renders: the status, the
    ``WWW-Authenticate`` header (``auth_header``), ``Retry-After`` (``wait``) for a 503."""

    def __init__(self, error: BearerError, realm: str) -> None:
        super().__init__(detail={"detail": error.detail})
        self.status_code = error.status
        self.auth_header = error.challenge(realm)
        self.wait = RETRY_AFTER_SECONDS if error.status == 503 else None


class JWTAuthentication(BaseAuthentication):  # type: ignore[misc]
    """Authenticate by bearer token; None (anonymous) when the request carries none."""

    def authenticate(self, request: Any) -> tuple[TokenUser, dict[str, Any]] | None:
        guard = get_guard()
        claims: Any = getattr(request, "jwt_claims", _UNSET)  # set by JWTAuthMiddleware
        if claims is _UNSET:
            try:
                claims = authenticate(request, guard)
            except BearerError as error:
                raise BearerAPIException(error, guard.realm) from None
        scopes_left_unchecked = _unguarded_required_scopes(request)
        if scopes_left_unchecked is not None:
            try:
                guard.require(claims, scopes_left_unchecked)
            except BearerError as error:
                raise BearerAPIException(error, guard.realm) from None
        if claims is None:
            return None
        return guard.user(claims), claims

    def authenticate_header(self, request: Any) -> str:
        # DRF answers its own NotAuthenticated with 401 only when this returns a challenge.
        return f'Bearer realm="{get_guard().realm}"'


def _unguarded_required_scopes(request: Any) -> tuple[str, ...] | None:
    """The view's ``required_scopes`` when none of its permissions is :class:`HasScopes`
    (so nothing else would check them); None when HasScopes is there or none are declared."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    declared = getattr(view, "required_scopes", None)
    if view is None or not declared:
        return None
    if any(isinstance(permission, HasScopes) for permission in view.get_permissions()):
        return None
    if type(view) not in _UNGUARDED_VIEWS:
        _UNGUARDED_VIEWS.add(type(view))
        logger.warning(
            "%s declares required_scopes but its permission_classes lack HasScopes; jwtkit "
            "enforces the scopes, but add HasScopes to permission_classes",
            type(view).__qualname__,
        )
    return normalise_scopes(declared)


class HasScopes(BasePermission):  # type: ignore[misc]
    """Allow a request whose token carries every scope in the view's ``required_scopes``
    (no token: 401; a scope missing: 403 naming the scopes)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        guard = get_guard()
        needed = normalise_scopes(getattr(view, "required_scopes", None))
        claims = request.auth if isinstance(request.auth, dict) else None
        try:
            guard.require(claims, needed)
        except BearerError as error:
            raise BearerAPIException(error, guard.realm) from None
        return True
