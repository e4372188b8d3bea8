r"""An orders API in FastAPI, protected by jwtkit: it accepts access tokens from a jwtkit server.

    JWTKIT_ISSUER=http://127.0.0.1:8000 \
        uv run uvicorn --app-dir examples fastapi_api:app --port 8001

Only the issuer and this API's audience are configured: the keys are discovered from the
issuer's metadata and refreshed when it rotates them. /docs shows the API with an Authorize
button that logs in at the issuer (OAuth2 password flow).
"""

import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Security

from jwtkit.integrations.fastapi import JWTBearer

ISSUER = os.environ["JWTKIT_ISSUER"]
AUDIENCE = os.environ.get("JWTKIT_AUDIENCE", "api")
# Optional: ask the issuer (RFC 7662) whether a token was revoked; off unless configured.
# An answer is reused for JWTKIT_REVOCATION_CACHE_SECONDS (default 30): how late a sign-out
# may reach this API, traded against one introspection call per token and period.
REVOCATION: dict[str, Any] = (
    {
        "revocation": "introspection",
        "client_id": os.environ["JWTKIT_CLIENT_ID"],
        "client_secret": os.environ["JWTKIT_CLIENT_SECRET"],
        "revocation_cache_seconds": float(os.environ.get("JWTKIT_REVOCATION_CACHE_SECONDS", "30")),
    }
    if "JWTKIT_CLIENT_ID" in os.environ
    else {}
)

auth = JWTBearer(
    issuer=ISSUER,
    audience=AUDIENCE,
    token_url=f"{ISSUER}/auth/token",
    scopes={"orders:read": "See your orders", "orders:write": "Place orders"},
    **REVOCATION,
)
app = FastAPI(title="Orders")
Claims = dict[str, Any]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/secure-endpoint")
async def secure_endpoint(claims: Annotated[Claims, Depends(auth)]) -> dict[str, Any]:
    return {"message": f"Hello, {claims['sub']}", "scope": claims.get("scope", "")}


@app.get("/orders")
async def list_orders(
    claims: Annotated[Claims, Security(auth, scopes=["orders:read"])],
) -> dict[str, Any]:
    return {"owner": claims["sub"], "orders": [{"id": 1, "item": "tea"}]}


@app.post("/orders", status_code=201)
async def place_order(
    claims: Annotated[Claims, Security(auth, scopes=["orders:write"])],
) -> dict[str, Any]:
    return {"owner": claims["sub"], "created": {"id": 2, "item": "cake"}}
