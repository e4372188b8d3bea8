r"""The orders API as a plain Starlette (pure ASGI) app, protected by jwtkit's middleware.

    JWTKIT_ISSUER=http://127.0.0.1:8000 \
        uv run uvicorn --app-dir examples starlette_api:app --port 8001

The middleware authenticates every request that carries a token (``request.user``,
``request.auth.scopes``, Starlette's conventions); ``require_token`` guards the routes.
"""

import os
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jwtkit.integrations.asgi import JWTAuthMiddleware, require_token

ISSUER = os.environ["JWTKIT_ISSUER"]
AUDIENCE = os.environ.get("JWTKIT_AUDIENCE", "api")
# Optional: ask the issuer (RFC 7662) whether a token was revoked; off unless configured.
REVOCATION: dict[str, Any] = (
    {
        "revocation": "introspection",
        "client_id": os.environ["JWTKIT_CLIENT_ID"],
        "client_secret": os.environ["JWTKIT_CLIENT_SECRET"],
    }
    if "JWTKIT_CLIENT_ID" in os.environ
    else {}
)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@require_token
async def secure_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(
        {"message": f"Hello, {request.user.display_name}", "scope": " ".join(request.auth.scopes)}
    )


@require_token(scopes=["orders:read"])
async def list_orders(request: Request) -> JSONResponse:
    return JSONResponse({"owner": request.user.identity, "orders": [{"id": 1, "item": "tea"}]})


@require_token(scopes=["orders:write"])
async def place_order(request: Request) -> JSONResponse:
    created = {"owner": request.user.identity, "created": {"id": 2, "item": "cake"}}
    return JSONResponse(created, status_code=201)


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/secure-endpoint", secure_endpoint),
        Route("/orders", list_orders, methods=["GET"]),
        Route("/orders", place_order, methods=["POST"]),
    ],
    middleware=[Middleware(JWTAuthMiddleware, issuer=ISSUER, audience=AUDIENCE, **REVOCATION)],
)
