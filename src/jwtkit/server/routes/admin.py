"""The admin HTTP API: the same operations as ``jwtkit admin``, for a token with ``admin``.

Every route depends on :func:`~.deps.admin_claims` (the scope *and* a user who is still an
active admin), and every change is audited with the acting admin's id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..db.migrate import current_revision, head_revision
from ..services.views import client_view, consent_view, key_view, user_view
from .auth import ConsentView
from .deps import AdminClaims, CurrentRuntime, admin_claims
from .openapi import error_responses

__all__ = ["router"]

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(admin_claims)],
    responses=error_responses(400, 401, 403, 404, 409, 413, 503),
)


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = Field(default=None, min_length=1, max_length=254)
    email: str | None = Field(default=None, min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=4096)
    scopes: list[str] = Field(default_factory=list, max_length=64)
    admin: bool = False


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=4096)


class UserScopes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scopes: list[str] = Field(default_factory=list, max_length=64)
    admin: bool = False


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    grant_types: list[str] = Field(min_length=1, max_length=8)
    scopes: list[str] = Field(default_factory=list, max_length=64)
    audiences: list[str] = Field(default_factory=list, max_length=16)
    redirect_uris: list[str] = Field(default_factory=list, max_length=16)
    public: bool = False
    #: The deployer's own app: its users are not asked for consent.
    first_party: bool = False


class UserView(BaseModel):
    id: str
    username: str
    email: str | None
    scopes: list[str]
    admin: bool
    disabled: bool
    created_at: float


class ClientView(BaseModel):
    client_id: str
    name: str
    public: bool
    first_party: bool
    grant_types: list[str]
    scopes: list[str] | None
    audiences: list[str]
    redirect_uris: list[str]
    created_at: float


class CreatedClient(ClientView):
    client_secret: str | None = Field(None, description="Shown this once (confidential only)")


class ClientSecret(BaseModel):
    client_id: str
    client_secret: str


class KeyView(BaseModel):
    kid: str
    alg: str | None
    state: str
    created_at: float
    activated_at: float | None
    retired_at: float | None
    remove_after: float | None


class AuditEntry(BaseModel):
    at: float
    event: str
    user_id: str | None
    client_id: str | None
    ip: str | None
    detail: str | None


class DatabaseRevision(BaseModel):
    current: str | None
    head: str


class PurgedRows(BaseModel):
    """How many rows of each kind a purge deleted."""

    access_tokens: int
    sessions: int
    refresh_tokens: int
    authorization_codes: int
    browser_sessions: int
    audit_events: int
    denylist_epochs: int
    #: Kinds it could not finish (the database down or too slow): call it again.
    incomplete: list[str]


#: Batches of 1,000 rows of each kind one ``POST /admin/db/purge`` deletes at most.
_PURGE_BATCHES_PER_CALL = 50


def _actor(claims: dict[str, Any]) -> str:
    return str(claims["sub"])


# -- users ------------------------------------------------------------------------------------


@router.get("/users", response_model=list[UserView])
async def list_users(
    runtime: CurrentRuntime,
    offset: int = Query(0, ge=0, le=1_000_000),
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    return [user_view(user) for user in await runtime.users.list(offset=offset, limit=limit)]


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserView)
async def create_user(body: NewUser, runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    user = await runtime.users.create(
        username=body.username,
        email=body.email,
        password=body.password,
        scopes=body.scopes,
        admin=body.admin,
        actor=_actor(claims),
    )
    return user_view(user)


@router.get("/users/{identifier}", response_model=UserView)
async def get_user(identifier: str, runtime: CurrentRuntime) -> Any:
    return user_view(await runtime.users.require(identifier))


@router.post("/users/{identifier}/disable", response_model=UserView)
async def disable_user(identifier: str, runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    return user_view(await runtime.users.set_disabled(identifier, True, actor=_actor(claims)))


@router.post("/users/{identifier}/enable", response_model=UserView)
async def enable_user(identifier: str, runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    return user_view(await runtime.users.set_disabled(identifier, False, actor=_actor(claims)))


@router.put("/users/{identifier}/password", status_code=status.HTTP_204_NO_CONTENT)
async def set_password(
    identifier: str, body: NewPassword, runtime: CurrentRuntime, claims: AdminClaims
) -> Response:
    await runtime.users.set_password(identifier, body.password, actor=_actor(claims))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/users/{identifier}/scopes", response_model=UserView)
async def set_scopes(
    identifier: str, body: UserScopes, runtime: CurrentRuntime, claims: AdminClaims
) -> Any:
    user = await runtime.users.set_scopes(
        identifier, body.scopes, admin=body.admin, actor=_actor(claims)
    )
    return user_view(user)


@router.delete("/users/{identifier}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(identifier: str, runtime: CurrentRuntime, claims: AdminClaims) -> Response:
    await runtime.users.delete(identifier, actor=_actor(claims))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/{identifier}/consents", response_model=list[ConsentView])
async def list_user_consents(identifier: str, runtime: CurrentRuntime) -> Any:
    user = await runtime.users.require(identifier)
    return [consent_view(row) for row in await runtime.consents.list(user.id)]


@router.delete("/users/{identifier}/consents/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_user_consent(
    identifier: str, client_id: str, runtime: CurrentRuntime, claims: AdminClaims
) -> Response:
    """Revoke what a user allowed a client; their sessions with it end."""
    user = await runtime.users.require(identifier)
    await runtime.consents.revoke(user.id, client_id, actor=_actor(claims))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- clients ----------------------------------------------------------------------------------


@router.get("/clients", response_model=list[ClientView])
async def list_clients(runtime: CurrentRuntime) -> Any:
    return [client_view(client) for client in await runtime.clients.list()]


@router.post("/clients", status_code=status.HTTP_201_CREATED, response_model=CreatedClient)
async def create_client(body: NewClient, runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    client, secret = await runtime.clients.create(
        body.name,
        grant_types=body.grant_types,
        scopes=body.scopes,
        audiences=body.audiences,
        redirect_uris=body.redirect_uris,
        public=body.public,
        first_party=body.first_party,
        actor=_actor(claims),
    )
    view = client_view(client)
    if secret is not None:
        view["client_secret"] = secret  # shown this once
    return view


@router.post("/clients/{client_id}/rotate-secret", response_model=ClientSecret)
async def rotate_client_secret(client_id: str, runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    secret = await runtime.clients.rotate_secret(client_id, actor=_actor(claims))
    return {"client_id": client_id, "client_secret": secret}


@router.delete("/clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(client_id: str, runtime: CurrentRuntime, claims: AdminClaims) -> Response:
    await runtime.clients.delete(client_id, actor=_actor(claims))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- keys, audit, database --------------------------------------------------------------------


@router.get("/keys", response_model=list[KeyView])
async def list_keys(runtime: CurrentRuntime) -> Any:
    return [key_view(record) for record in await runtime.keys.records()]


@router.post("/keys/rotate", response_model=list[KeyView])
async def rotate_keys(runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    await runtime.keys.rotate(actor=_actor(claims))
    return [key_view(record) for record in await runtime.keys.records()]


@router.get("/audit", response_model=list[AuditEntry])
async def audit_events(
    runtime: CurrentRuntime,
    event: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    return [
        {
            "at": row.at,
            "event": row.event,
            "user_id": row.user_id,
            "client_id": row.client_id,
            "ip": row.ip,
            "detail": row.detail,
        }
        for row in await runtime.audit.recent(limit, event)
    ]


@router.get("/db", response_model=DatabaseRevision)
async def database_revision(runtime: CurrentRuntime) -> Any:
    return {"current": await current_revision(runtime.database), "head": head_revision()}


@router.post("/db/purge", response_model=PurgedRows)
async def purge_database(runtime: CurrentRuntime, claims: AdminClaims) -> Any:
    """Delete expired rows now (the server does it every JWTKIT_PURGE_INTERVAL seconds):
    up to 50,000 of each kind per call, so a request stays short; call again for more."""
    purged = await runtime.purge.run(actor=_actor(claims), max_batches=_PURGE_BATCHES_PER_CALL)
    return purged.as_dict()
