"""The orders API as a Django URLconf (function views with ``require_token``, and the same
routes under /drf/ as Django REST framework views), for tests/integrations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtkit.integrations.django import require_token
from jwtkit.integrations.django.rest_framework import HasScopes


def public(request: HttpRequest) -> JsonResponse:
    claims = getattr(request, "jwt_claims", None)
    return JsonResponse({"anonymous": claims is None})


@require_token
def secure_endpoint(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


@require_token(scopes=["orders:read"])
def orders(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"], "orders": [1, 2, 3]})  # type: ignore[attr-defined]


@require_token(scopes="orders:read orders:write")
async def orders_write(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"], "created": True})  # type: ignore[attr-defined]


@method_decorator(require_token(scopes=["orders:read"]), name="dispatch")
class OrdersView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        claims: dict[str, Any] = request.jwt_claims  # type: ignore[attr-defined]
        return JsonResponse({"sub": claims["sub"], "view": "class"})


class OrdersMethodView(View):
    """``require_token`` straight on a method, without ``method_decorator``."""

    @require_token(scopes=["orders:read"])
    def get(self, request: HttpRequest) -> JsonResponse:
        claims: dict[str, Any] = request.jwt_claims  # type: ignore[attr-defined]
        return JsonResponse({"sub": claims["sub"], "view": "method"})


class DRFPublic(APIView):
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({"anonymous": request.auth is None})


class DRFSecure(APIView):
    permission_classes = (HasScopes,)

    def get(self, request: Request) -> Response:
        return Response({"sub": request.user.subject})


class DRFOrders(APIView):
    permission_classes = (HasScopes,)
    required_scopes = ("orders:read",)

    def get(self, request: Request) -> Response:
        return Response({"sub": request.auth["sub"], "orders": [1, 2, 3]})


class DRFScopesWithoutHasScopes(APIView):
    """The careless view: ``required_scopes`` declared, ``HasScopes`` forgotten."""

    permission_classes = (IsAuthenticated,)
    required_scopes = ("orders:write",)

    def get(self, request: Request) -> Response:
        return Response({"written": True})


class DRFScopesWithAllowAny(DRFScopesWithoutHasScopes):
    permission_classes = (AllowAny,)


urlpatterns = [
    path("public", public),
    path("secure-endpoint", secure_endpoint),
    path("orders", orders),
    path("orders/write", orders_write),
    path("orders/class", OrdersView.as_view()),
    path("orders/method", OrdersMethodView.as_view()),
    path("drf/public", DRFPublic.as_view()),
    path("drf/secure-endpoint", DRFSecure.as_view()),
    path("drf/orders", DRFOrders.as_view()),
    path("drf/careless/authenticated", DRFScopesWithoutHasScopes.as_view()),
    path("drf/careless/allow-any", DRFScopesWithAllowAny.as_view()),
]
