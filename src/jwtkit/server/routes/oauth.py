"""RFC 6749 token endpoint, RFC 7009 revocation, RFC 7662 introspection: all form-encoded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import InvalidClientError, InvalidRequestError
from ..services.grants import TokenRequest
from .deps import ClientIP, CurrentRuntime, OAuthForm, client_credentials

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["oauth"])


def _form_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """An OpenAPI requestBody for a form (the routes parse it themselves, strictly)."""
    schema = {
        "type": "object",
        "properties": {name: {"type": "string", **extra} for name, extra in properties.items()},
        "required": required,
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


_CLIENT_FIELDS: dict[str, Any] = {
    "client_id": {"description": "For client_secret_post, or a public client"},
    "client_secret": {"description": "client_secret_post (or use HTTP Basic)"},
}

TOKEN_FORM = _form_body(
    {
        "grant_type": {"enum": ["password", "refresh_token", "client_credentials"]},
        "username": {},
        "password": {"format": "password"},
        "refresh_token": {},
        "scope": {"description": "Space-separated scopes"},
        "audience": {"description": "One of the client's audiences"},
        **_CLIENT_FIELDS,
    },
    ["grant_type"],
)
TOKEN_ONLY_FORM = _form_body(
    {
        "token": {},
        "token_type_hint": {"enum": ["access_token", "refresh_token"]},
        **_CLIENT_FIELDS,
    },
    ["token"],
)

TOKEN_RESPONSE = {
    200: {
        "description": "Tokens (RFC 6749 §5.1)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string"},
                        "token_type": {"type": "string"},
                        "expires_in": {"type": "integer"},
                        "refresh_token": {"type": "string"},
                        "scope": {"type": "string"},
                    },
                    "required": ["access_token", "token_type", "expires_in", "scope"],
                }
            }
        },
    }
}


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749)",
    openapi_extra=TOKEN_FORM,
    responses=TOKEN_RESPONSE,  # type: ignore[arg-type]
)
async def token(request: Request, runtime: CurrentRuntime, ip: ClientIP, form: OAuthForm) -> Any:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequestError("grant_type is required")
    issued = await runtime.token_endpoint.token(
        TokenRequest(grant_type=grant_type, parameters=form, ip=ip),
        client_credentials(request, form),
    )
    return JSONResponse(issued.response())


@router.post("/revoke", summary="Revoke a token (RFC 7009)", openapi_extra=TOKEN_ONLY_FORM)
async def revoke(request: Request, runtime: CurrentRuntime, ip: ClientIP, form: OAuthForm) -> Any:
    client = await runtime.clients.authenticate(client_credentials(request, form))
    token = form.get("token")
    if not token:
        raise InvalidRequestError("token is required")
    await runtime.tokens.revoke(token, form.get("token_type_hint"), client, ip=ip)
    return Response(status_code=200)


@router.post(
    "/introspect",
    summary="Introspect a token (RFC 7662); confidential clients only",
    openapi_extra=TOKEN_ONLY_FORM,
)
async def introspect(request: Request, runtime: CurrentRuntime, form: OAuthForm) -> Any:
    credentials = client_credentials(request, form)
    client = await runtime.clients.authenticate(credentials)
    if client.secret_hash is None:  # RFC 7662 §2.1: the caller must be authorized
        raise InvalidClientError("Introspection needs a confidential client")
    token = form.get("token")
    if not token:
        raise InvalidRequestError("token is required")
    return JSONResponse(await runtime.tokens.introspect(token, form.get("token_type_hint"), client))
