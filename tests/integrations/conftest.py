"""Fixtures for the framework integrations: a real loopback issuer and Django's settings.

Every framework is tested in-process against :class:`LoopbackIssuer` (tests/loopback_issuer.py),
a real HTTP server on 127.0.0.1 in a thread that publishes RFC 8414 metadata and a JWKS
made by jwtkit, and answers RFC 7662 introspection; the integrations discover it over HTTP.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: loopback_issuer

from loopback_issuer import LoopbackIssuer


def pytest_configure(config: pytest.Config) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only-not-secret",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF="django_urls",
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "rest_framework",
            ],
            MIDDLEWARE=["jwtkit.integrations.django.JWTAuthMiddleware"],
            DATABASES={},
            JWTKIT={"ISSUER": "https://placeholder.example", "AUDIENCE": "api"},
            REST_FRAMEWORK={
                "DEFAULT_AUTHENTICATION_CLASSES": [
                    "jwtkit.integrations.django.rest_framework.JWTAuthentication"
                ],
                "DEFAULT_PERMISSION_CLASSES": [
                    "jwtkit.integrations.django.rest_framework.HasScopes"
                ],
            },
            USE_TZ=True,
        )
        django.setup()


@pytest.fixture
def issuer() -> Iterator[LoopbackIssuer]:
    with LoopbackIssuer() as server:
        yield server
