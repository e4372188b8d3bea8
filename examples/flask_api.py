r"""The orders API in Flask, protected by jwtkit.

    JWTKIT_ISSUER=http://127.0.0.1:8000 \
        uv run gunicorn --chdir examples flask_api:app -b 127.0.0.1:8001
"""

import os
from typing import Any

from flask import Flask

from jwtkit.integrations.flask import JWTAuth, current_claims

app = Flask(__name__)
app.config["JWTKIT_ISSUER"] = os.environ["JWTKIT_ISSUER"]
app.config["JWTKIT_AUDIENCE"] = os.environ.get("JWTKIT_AUDIENCE", "api")
if "JWTKIT_CLIENT_ID" in os.environ:  # optional: RFC 7662 revocation check
    app.config["JWTKIT_REVOCATION"] = "introspection"
    app.config["JWTKIT_CLIENT_ID"] = os.environ["JWTKIT_CLIENT_ID"]
    app.config["JWTKIT_CLIENT_SECRET"] = os.environ["JWTKIT_CLIENT_SECRET"]
jwt_auth = JWTAuth(app)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/secure-endpoint")
@jwt_auth.required
def secure_endpoint() -> dict[str, Any]:
    return {"message": f"Hello, {current_claims['sub']}", "scope": current_claims.get("scope", "")}


@app.get("/orders")
@jwt_auth.required(scopes=["orders:read"])
def list_orders() -> dict[str, Any]:
    return {"owner": current_claims["sub"], "orders": [{"id": 1, "item": "tea"}]}


@app.post("/orders")
@jwt_auth.required(scopes=["orders:write"])
def place_order() -> tuple[dict[str, Any], int]:
    return {"owner": current_claims["sub"], "created": {"id": 2, "item": "cake"}}, 201
