"""First-party account endpoints: register, login, logout, userinfo, password change.

JSON in and out. Login is the password grant of the built-in first-party client with a JSON
body, and answers exactly as the token endpoint does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import AccessDeniedError, InvalidBearerTokenError, InvalidRequestError
from ..services.clients import ClientCredentials
from ..services.grants import TokenRequest
from ..services.id_tokens import released_user_claims
from ..services.views import consent_view
from .deps import (
    AccountClaims,
    BearerClaims,
    BearerClaimsToRevoke,
    ClientIP,
    CurrentRuntime,
    admin_claims,
    bearer_claims,
)
from .oauth import TOKEN_RESPONSE
from .openapi import error_responses

__all__ = ["router"]

router = APIRouter(
    prefix="/auth",
    tags=["account"],
    responses=error_responses(400, 401, 403, 409, 413, 429, 503),
)

_NAME = Field(default=None, min_length=1, max_length=254)
_PASSWORD = Field(min_length=1, max_length=4096, json_schema_extra={"format": "password"})


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = _NAME
    email: str | None = _NAME
    password: str = _PASSWORD


class RegisteredUser(BaseModel):
    id: str
    username: str
    email: str | None


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = _NAME
    email: str | None = _NAME
    password: str = _PASSWORD
    scope: str | None = Field(default=None, max_length=4096)
    audience: str | None = Field(default=None, max_length=254)


class Logout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=8192)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = _PASSWORD
    new_password: str = _PASSWORD


class UserInfo(BaseModel):
    """OIDC Core §5.3: ``sub`` and what the token's scopes release (all of it for a
    first-party client's token); ``username`` is ``preferred_username``'s older name."""

    sub: str
    scope: str
    username: str | None = None
    preferred_username: str | None = None
    name: str | None = None
    email: str | None = None
    email_verified: bool | None = None


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisteredUser)
async def register(
    body: Registration, request: Request, runtime: CurrentRuntime, ip: ClientIP
) -> Any:
    policy = runtime.settings.registration
    if policy == "off":
        raise AccessDeniedError("Registration is closed")
    if policy == "admin":
        await admin_claims(await bearer_claims(request, runtime), runtime)
        user = await runtime.users.create(
            username=body.username, email=body.email, password=body.password, ip=ip
        )
    else:
        user = await runtime.users.register(
            username=body.username, email=body.email, password=body.password, ip=ip
        )
    return RegisteredUser(id=user.id, username=user.username, email=user.email)


@router.post(
    "/login", summary="Log in with a password (first-party, JSON)", responses=TOKEN_RESPONSE
)
async def login(body: Login, runtime: CurrentRuntime, ip: ClientIP) -> Any:
    identifier = body.username if body.username is not None else body.email
    if identifier is None:
        raise InvalidRequestError("Give a username or an email address")
    parameters = {"username": identifier, "password": body.password}
    if body.scope is not None:
        parameters["scope"] = body.scope
    if body.audience is not None:
        parameters["audience"] = body.audience
    issued = await runtime.token_endpoint.token(
        TokenRequest(grant_type="password", parameters=parameters, ip=ip), ClientCredentials()
    )
    return JSONResponse(issued.response())


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    claims: BearerClaimsToRevoke,
    runtime: CurrentRuntime,
    ip: ClientIP,
    body: Logout | None = None,
) -> Response:
    """End this session: its refresh family and this access token are revoked."""
    await runtime.tokens.end_session(claims, body.refresh_token if body else None, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/userinfo", response_model=UserInfo, response_model_exclude_none=True)
@router.post(
    "/userinfo",
    summary="Userinfo (POST, as OpenID Connect allows)",
    response_model=UserInfo,
    response_model_exclude_none=True,
)
async def userinfo(claims: BearerClaims, runtime: CurrentRuntime) -> Any:
    user = await runtime.users.get(str(claims["sub"]))
    if user is None or user.disabled_at is not None:
        raise InvalidBearerTokenError("The access token is invalid")
    client = await runtime.clients.get(str(claims["client_id"]))
    return released_user_claims(
        user, str(claims.get("scope", "")), first_party=client is not None and client.is_first_party
    )


class ConsentView(BaseModel):
    client_id: str
    scope: str
    granted_at: float


@router.get("/consents", response_model=list[ConsentView])
async def list_consents(claims: AccountClaims, runtime: CurrentRuntime) -> Any:
    """The third-party clients this user allowed, and what they may ask for."""
    return [consent_view(row) for row in await runtime.consents.list(str(claims["sub"]))]


@router.delete(
    "/consents/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def revoke_consent(
    client_id: str, claims: AccountClaims, runtime: CurrentRuntime
) -> Response:
    """Take back a client's access: the consent is forgotten and the user's sessions with
    that client end (it asks again next time)."""
    user_id = str(claims["sub"])
    await runtime.consents.revoke(user_id, client_id, actor=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange, claims: AccountClaims, runtime: CurrentRuntime, ip: ClientIP
) -> Response:
    """Change the password; every other session of the user ends."""
    keep = await runtime.tokens.family_of(str(claims["jti"]))
    await runtime.users.change_password(
        str(claims["sub"]), body.current_password, body.new_password, keep_family=keep, ip=ip
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
