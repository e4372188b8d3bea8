r"""The orders API in Django (one file), protected by jwtkit: a plain view and a DRF view.

    JWTKIT_ISSUER=http://127.0.0.1:8000 \
        uv run gunicorn --chdir examples django_api:application -b 127.0.0.1:8001
"""

import os

import django
from django.conf import settings

settings.configure(
    ROOT_URLCONF=__name__,
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "change-me"),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=["jwtkit.integrations.django.JWTAuthMiddleware"],
    JWTKIT={
        "ISSUER": os.environ["JWTKIT_ISSUER"],
        "AUDIENCE": os.environ.get("JWTKIT_AUDIENCE", "api"),
        **(
            {  # optional: RFC 7662 revocation check
                "REVOCATION": "introspection",
                "CLIENT_ID": os.environ["JWTKIT_CLIENT_ID"],
                "CLIENT_SECRET": os.environ["JWTKIT_CLIENT_SECRET"],
            }
            if "JWTKIT_CLIENT_ID" in os.environ
            else {}
        ),
    },
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "jwtkit.integrations.django.rest_framework.JWTAuthentication"
        ],
        "DEFAULT_PERMISSION_CLASSES": ["jwtkit.integrations.django.rest_framework.HasScopes"],
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings)
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from jwtkit.integrations.django import require_token  # noqa: E402


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_token
def secure_endpoint(request: HttpRequest) -> JsonResponse:
    claims = request.jwt_claims  # type: ignore[attr-defined]
    return JsonResponse({"message": f"Hello, {claims['sub']}", "scope": claims.get("scope", "")})


class Orders(APIView):
    """Django REST framework: JWTAuthentication sets request.auth; HasScopes checks scopes."""

    @property
    def required_scopes(self) -> list[str]:
        return ["orders:write"] if self.request.method == "POST" else ["orders:read"]

    def get(self, request: Request) -> Response:
        return Response({"owner": request.auth["sub"], "orders": [{"id": 1, "item": "tea"}]})

    def post(self, request: Request) -> Response:
        created = {"owner": request.auth["sub"], "created": {"id": 2, "item": "cake"}}
        return Response(created, status=201)


urlpatterns = [
    path("health", health),
    path("secure-endpoint", secure_endpoint),
    path("orders", Orders.as_view()),
]
application = get_wsgi_application()
