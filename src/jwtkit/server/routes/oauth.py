"""RFC 6749 token endpoint, RFC 7009 revocation, RFC 7662 introspection: all form-encoded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ..errors import InvalidClientError, InvalidRequestError
from ..services.grants import TokenRequest
from .deps import ClientIP, CurrentRuntime, OAuthForm, client_credentials
from .openapi import error_responses

__all__ = ["router"]

router = APIRouter(
    prefix="/auth", tags=["oauth"], responses=error_responses(400, 401, 413, 429, 503)
)


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
        "grant_type": {
            "enum": ["password", "refresh_token", "client_credentials", "authorization_code"]
        },
        "username": {},
        "password": {"format": "password"},
        "refresh_token": {},
        "code": {"description": "authorization_code: the code from /authorize"},
        "redirect_uri": {"description": "authorization_code: as sent to /authorize"},
        "code_verifier": {"description": "authorization_code: the PKCE verifier (RFC 7636)"},
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


class TokenResponse(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None


class Introspection(BaseModel):
    """RFC 7662 §2.2: ``active``, and what is known of a live token."""

    active: bool
    token_type: str | None = None
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    aud: str | list[str] | None = None
    iss: str | None = None
    exp: int | None = None
    iat: int | None = None
    jti: str | None = None


TOKEN_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"model": TokenResponse, "description": "Tokens (RFC 6749 §5.1)"}
}


@router.post(
    "/token",
    summary="Token endpoint (RFC 6749)",
    openapi_extra=TOKEN_FORM,
    responses=TOKEN_RESPONSE,
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


@router.post(
    "/revoke",
    summary="Revoke a token (RFC 7009)",
    openapi_extra=TOKEN_ONLY_FORM,
    response_class=Response,
    responses={200: {"description": "Revoked (an unknown token is answered the same way)"}},
)
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
    responses={200: {"model": Introspection, "description": "What is known of the token"}},
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
