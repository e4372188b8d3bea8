"""What routes need from a request: the runtime, the client's address, its credentials,
a strictly parsed OAuth form, and the bearer token's verified claims.

Parsing here is strict on purpose: RFC 6749 §3.1 forbids repeating a parameter, a form is
only ``application/x-www-form-urlencoded``, and an ``Authorization`` header that is neither
absent nor well-formed is an ``invalid_request``, never a guess.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer

from ..errors import (
    BearerError,
    InsufficientScopeError,
    InvalidBearerRequestError,
    InvalidBearerTokenError,
    InvalidClientError,
    InvalidRequestError,
)
from ..runtime import Runtime
from ..services.clients import ClientCredentials
from ..services.scopes import ADMIN_SCOPE, parse_scopes

__all__ = [
    "MAX_FORM_FIELDS",
    "AccountClaims",
    "AdminClaims",
    "BearerClaims",
    "BearerClaimsToRevoke",
    "ClientIP",
    "CurrentRuntime",
    "client_credentials",
    "oauth_form",
    "single_valued",
]

MAX_FORM_FIELDS = 32

#: Registers the OAuth2 password flow in OpenAPI, so /docs has an "Authorize" button.
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/auth/token",
    scopes={ADMIN_SCOPE: "The admin API (only for admin users)"},
    auto_error=False,
)


# The dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
# dependency in a worker thread, a thread hop per request for a dictionary lookup.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


CurrentRuntime = Annotated[Runtime, Depends(get_runtime)]


async def get_client_ip(request: Request, runtime: CurrentRuntime) -> str:
    peer = request.client.host if request.client is not None else None
    return runtime.proxies.client_address(peer, request.headers.getlist("x-forwarded-for"))


ClientIP = Annotated[str, Depends(get_client_ip)]


async def oauth_form(request: Request) -> dict[str, str]:
    """The request's form, each parameter at most once (RFC 6749 §3.1)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidRequestError("The body must be application/x-www-form-urlencoded")
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except Exception:  # Starlette's parser refuses too many fields or a malformed body
        raise InvalidRequestError(
            f"The form is malformed or has more than {MAX_FORM_FIELDS} fields"
        ) from None
    if len(form.multi_items()) > MAX_FORM_FIELDS:
        raise InvalidRequestError(f"The form has more than {MAX_FORM_FIELDS} fields")
    return single_valued(form.multi_items())


def single_valued(items: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Parameters (of a form or a query) as a dict; a repeated one or a file is refused."""
    parameters: dict[str, str] = {}
    for count, (name, value) in enumerate(items):
        if count >= MAX_FORM_FIELDS:
            raise InvalidRequestError(f"The request has more than {MAX_FORM_FIELDS} parameters")
        if not isinstance(value, str):
            raise InvalidRequestError("The form must not carry files")
        if name in parameters:
            raise InvalidRequestError(f"The parameter {name!r} appears more than once")
        parameters[name] = value
    return parameters


OAuthForm = Annotated[dict[str, str], Depends(oauth_form)]


def client_credentials(request: Request, form: dict[str, str]) -> ClientCredentials:
    """The client's credentials from HTTP Basic (RFC 6749 §2.3.1) or the form, not both."""
    header = request.headers.get("authorization")
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise InvalidClientError("Client authentication must use HTTP Basic")
        if form_secret is not None:
            raise InvalidRequestError("Use one client authentication method, not two")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidClientError("Malformed HTTP Basic credentials") from None
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            raise InvalidClientError("Malformed HTTP Basic credentials")
        # RFC 6749 §2.3.1: both halves are form-urlencoded before the Basic encoding.
        client_id, secret = unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
        if form_id is not None and form_id != client_id:
            raise InvalidRequestError("The client_id in the form and the header differ")
        return ClientCredentials(client_id, secret, "client_secret_basic")
    if form_secret is not None:
        return ClientCredentials(form_id, form_secret, "client_secret_post")
    return ClientCredentials(form_id, None, "none")


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer``; RFC 6750 §3.1 errors otherwise."""
    headers = request.headers.getlist("authorization")
    if not headers:
        raise BearerError("An access token is required")  # no error code: none was sent
    scheme, _, token = headers[0].partition(" ")
    token = token.strip()
    if len(headers) > 1 or scheme.lower() != "bearer" or not token or " " in token:
        raise InvalidBearerRequestError("The Authorization header must be one 'Bearer <token>'")
    return token


async def bearer_claims(
    request: Request,
    runtime: CurrentRuntime,
    _scheme: Annotated[str | None, Security(oauth2_scheme)] = None,
) -> dict[str, Any]:
    """The verified claims of the request's access token (signature, expiry, denylist)."""
    return await runtime.tokens.verify_access_token(bearer_token(request))


BearerClaims = Annotated[dict[str, Any], Depends(bearer_claims)]


async def bearer_claims_to_revoke(
    request: Request,
    runtime: CurrentRuntime,
    _scheme: Annotated[str | None, Security(oauth2_scheme)] = None,
) -> dict[str, Any]:
    """As :func:`bearer_claims` for a request that only ends the token's session (logout):
    a denylist that cannot answer now does not stop it."""
    return await runtime.tokens.verify_access_token(bearer_token(request), to_revoke=True)


BearerClaimsToRevoke = Annotated[dict[str, Any], Depends(bearer_claims_to_revoke)]


async def admin_claims(claims: BearerClaims, runtime: CurrentRuntime) -> dict[str, Any]:
    """Claims of a token with the ``admin`` scope whose user is still an active admin."""
    if ADMIN_SCOPE not in parse_scopes(str(claims.get("scope", ""))):
        raise InsufficientScopeError("The admin scope is required", scope=ADMIN_SCOPE)
    user = await runtime.users.get(str(claims["sub"]))
    if user is None or user.disabled_at is not None:
        raise InvalidBearerTokenError("The access token is invalid")
    if not user.is_admin:
        raise InsufficientScopeError("The admin scope is required", scope=ADMIN_SCOPE)
    return claims


AdminClaims = Annotated[dict[str, Any], Depends(admin_claims)]


async def account_claims(claims: BearerClaims, runtime: CurrentRuntime) -> dict[str, Any]:
    """Claims of a token a first-party client holds: managing the account itself (its
    password, which apps it allowed) is the user's own business, never a third-party app's,
    whatever scopes the user allowed that app."""
    client = await runtime.clients.get(str(claims["client_id"]))
    if client is None or not client.is_first_party:
        raise InsufficientScopeError("Only the account's own sign-in may manage the account")
    return claims


AccountClaims = Annotated[dict[str, Any], Depends(account_claims)]
