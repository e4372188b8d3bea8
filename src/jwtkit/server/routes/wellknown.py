"""Published metadata: the JWKS and the RFC 8414 authorization server metadata.

The metadata lists exactly what this server implements; resource servers discover the JWKS
from it, so only the issuer needs configuring on their side.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from ..runtime import Runtime
from ..services.id_tokens import ID_TOKEN_CLAIMS
from ..services.keys import ID_TOKEN_ALG
from ..services.scopes import ADMIN_SCOPE, IDENTITY_SCOPES
from .deps import CurrentRuntime
from .openapi import error_responses

__all__ = ["metadata", "router"]

router = APIRouter(tags=["discovery"], responses=error_responses(503))


class JWKSDocument(BaseModel):
    """RFC 7517 §5: the public keys (current, next and retired)."""

    keys: list[dict[str, Any]]


class ServerMetadata(BaseModel):
    """RFC 8414 §2 (the members this server always sends; there may be more)."""

    model_config = ConfigDict(extra="allow")

    issuer: str
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]


@router.get(
    "/.well-known/jwks.json",
    summary="The public signing keys (JWKS)",
    response_class=Response,
    responses={200: {"model": JWKSDocument, "description": "The JWKS"}},
)
async def jwks(runtime: CurrentRuntime) -> Response:
    return Response(
        await runtime.keys.jwks_json(),
        media_type="application/json",
        headers={"Cache-Control": f"public, max-age={runtime.settings.jwks_max_age}"},
    )


def metadata(runtime: Runtime) -> dict[str, Any]:
    """RFC 8414 §2 metadata for this server, with the OpenID Connect Discovery 1.0 members
    (one document serves both: what is listed is what is implemented, tests compare)."""
    issuer = runtime.settings.issuer_url
    auth_methods = ["client_secret_basic", "client_secret_post", "none"]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/auth/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/auth/revoke",
        "introspection_endpoint": f"{issuer}/auth/introspect",
        "userinfo_endpoint": f"{issuer}/auth/userinfo",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": [*IDENTITY_SCOPES, ADMIN_SCOPE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": runtime.token_endpoint.grant_types,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "prompt_values_supported": ["none", "login", "consent"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
        "claims_supported": list(ID_TOKEN_CLAIMS),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods[:2],
        "service_documentation": f"{issuer}/docs",
    }


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="Authorization server metadata (RFC 8414)",
    responses={200: {"model": ServerMetadata, "description": "The metadata"}},
)
async def authorization_server_metadata(runtime: CurrentRuntime) -> Any:
    return JSONResponse(metadata(runtime), headers={"Cache-Control": "public, max-age=3600"})


@router.get(
    "/.well-known/openid-configuration",
    summary="OpenID Provider metadata (OpenID Connect Discovery 1.0)",
    responses={200: {"model": ServerMetadata, "description": "The metadata"}},
)
async def openid_configuration(runtime: CurrentRuntime) -> Any:
    return JSONResponse(metadata(runtime), headers={"Cache-Control": "public, max-age=3600"})
