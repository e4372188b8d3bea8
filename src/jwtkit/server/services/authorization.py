"""The authorization endpoint's decisions (RFC 6749 §4.1, RFC 7636, RFC 9207, OIDC Core §3.1).

A request is checked in two stages, because where an error may go depends on it. Until the
client and its exact registered redirect URI are established, an error is shown on the
server's own page (:class:`~jwtkit.server.errors.InvalidRequestError`): redirecting to an
unverified URI would make the server an open redirector. After that, errors go back to the
client (:class:`RedirectError`) with ``state`` and ``iss``.

Then :meth:`AuthorizationService.decide` says what the browser sees next: the login page,
the consent page, or the redirect back with a code. The routes only render the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from ..db.models import Client, User
from ..errors import InvalidRequestError, NotFoundError, ServerError
from ..settings import Settings
from .browser_sessions import SignedIn
from .clients import ClientService, client_grant_types, client_redirect_uris
from .codes import AuthorizationCodes
from .consents import ConsentService
from .scopes import IDENTITY_SCOPES, grant_scope, join_scopes, parse_scopes
from .tokens import user_scopes

__all__ = [
    "AuthorizationRequest",
    "AuthorizationService",
    "Redirect",
    "RedirectError",
    "ShowConsent",
    "ShowLogin",
    "redirect_origin",
    "with_query",
]

#: RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_PROMPTS = frozenset({"none", "login", "consent"})
_MAX_STATE = 2048
_MAX_NONCE = 512
_MAX_LOGIN_HINT = 254


class RedirectError(ServerError):
    """An error the client hears about at its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, location: str, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.location = location


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    code_challenge: str
    scope: list[str]
    state: str | None = None
    nonce: str | None = None
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    login_hint: str | None = None
    #: The parameters as sent: the login and consent forms carry them back.
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class ShowLogin:
    request: AuthorizationRequest


@dataclass(frozen=True)
class ShowConsent:
    request: AuthorizationRequest
    user: User
    scopes: list[str]


Outcome = Redirect | ShowLogin | ShowConsent


def redirect_origin(uri: str) -> str:
    """What a Content-Security-Policy ``form-action`` must allow for the browser to follow a
    redirect to ``uri`` after a form post: its origin, or its scheme for an app's URI."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def with_query(uri: str, parameters: Mapping[str, str | None]) -> str:
    query = urlencode({name: value for name, value in parameters.items() if value is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


class AuthorizationService:
    def __init__(
        self,
        clients: ClientService,
        consents: ConsentService,
        codes: AuthorizationCodes,
        settings: Settings,
        clock: Callable[[], float],
    ) -> None:
        self._clients = clients
        self._consents = consents
        self._codes = codes
        self._settings = settings
        self._clock = clock

    async def check(self, parameters: Mapping[str, str]) -> AuthorizationRequest:
        """The request, checked; InvalidRequestError (shown on the server's page) while the
        client and redirect URI are not established, RedirectError after."""
        client_id = parameters.get("client_id")
        if not client_id:
            raise InvalidRequestError("The request names no client (client_id is missing)")
        client = await self._clients.get(client_id) if len(client_id) <= 64 else None
        if client is None:
            raise NotFoundError("No client with that client_id is registered here")
        redirect_uri = parameters.get("redirect_uri")
        if not redirect_uri:
            raise InvalidRequestError("The request has no redirect_uri")
        if redirect_uri not in client_redirect_uris(client):
            raise InvalidRequestError(
                "The redirect_uri is not one this client registered (it must match exactly)"
            )
        state = parameters.get("state") or None

        def refuse(error: str, description: str) -> RedirectError:
            return RedirectError(
                self._error_location(redirect_uri, state, error, description), error, description
            )

        if state is not None and len(state) > _MAX_STATE:
            raise refuse("invalid_request", "The state is too long")
        if "request" in parameters:
            raise refuse("request_not_supported", "Request objects are not supported")
        if "request_uri" in parameters:
            raise refuse("request_uri_not_supported", "request_uri is not supported")
        if parameters.get("response_type") != "code":
            raise refuse("unsupported_response_type", "Only response_type=code is supported")
        if parameters.get("response_mode", "query") != "query":
            raise refuse("invalid_request", "Only response_mode=query is supported")
        if "authorization_code" not in client_grant_types(client):
            raise refuse("unauthorized_client", "This client may not use the authorization code")
        challenge = parameters.get("code_challenge")
        if not challenge:
            raise refuse("invalid_request", "PKCE is required: send code_challenge (S256)")
        if parameters.get("code_challenge_method") != "S256":
            raise refuse("invalid_request", "code_challenge_method must be S256 (plain is refused)")
        if not _S256_CHALLENGE.fullmatch(challenge):
            raise refuse("invalid_request", "The code_challenge is not a base64url SHA-256")
        try:
            scope = parse_scopes(parameters.get("scope"))
        except ServerError as error:
            raise refuse("invalid_scope", error.description) from None
        prompt = frozenset(parse_scopes(parameters.get("prompt")) if "prompt" in parameters else ())
        if not prompt <= _PROMPTS or ("none" in prompt and len(prompt) > 1):
            raise refuse("invalid_request", "prompt must be none, or login and/or consent")
        max_age: int | None = None
        if "max_age" in parameters:
            text = parameters["max_age"]
            if not text.isascii() or not text.isdigit() or len(text) > 10:
                raise refuse("invalid_request", "max_age must be a number of seconds")
            max_age = int(text)
        nonce = parameters.get("nonce") or None
        if nonce is not None and len(nonce) > _MAX_NONCE:
            raise refuse("invalid_request", "The nonce is too long")
        login_hint = (parameters.get("login_hint") or "")[:_MAX_LOGIN_HINT] or None
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            scope=scope,
            state=state,
            nonce=nonce,
            prompt=prompt,
            max_age=max_age,
            login_hint=login_hint,
            parameters=dict(parameters),
        )

    async def decide(
        self, request: AuthorizationRequest, signed_in: SignedIn | None, *, just_signed_in: bool
    ) -> Outcome:
        """What comes next for this request and this browser: login, consent, or a code."""
        if not just_signed_in and self._needs_login(request, signed_in):
            if "none" in request.prompt:
                return self.error(request, "login_required", "The user is not signed in")
            return ShowLogin(request)
        assert signed_in is not None
        try:
            scopes = self.granted_scopes(request, signed_in.user)
        except ServerError as error:
            return self.error(request, "invalid_scope", error.description)
        if "consent" in request.prompt or not (
            request.client.is_first_party
            or await self._consents.covers(signed_in.user.id, request.client.id, scopes)
        ):
            if "none" in request.prompt:
                return self.error(request, "consent_required", "The user has not consented")
            return ShowConsent(request, signed_in.user, scopes)
        return await self._code(request, signed_in, scopes)

    async def answer_consent(
        self, request: AuthorizationRequest, signed_in: SignedIn, *, allowed: bool
    ) -> Redirect:
        """The user pressed Allow or Deny on the consent page."""
        if not allowed:
            return self.error(request, "access_denied", "The user denied the request")
        try:
            scopes = self.granted_scopes(request, signed_in.user)
        except ServerError as error:
            return self.error(request, "invalid_scope", error.description)
        if not request.client.is_first_party:
            await self._consents.grant(signed_in.user.id, request.client.id, scopes)
        return await self._code(request, signed_in, scopes)

    def granted_scopes(self, request: AuthorizationRequest, user: User) -> list[str]:
        """The identity scopes asked for (consent decides those), plus the others that the
        user and the client both allow."""
        identity = [scope for scope in request.scope if scope in IDENTITY_SCOPES]
        others = [scope for scope in request.scope if scope not in IDENTITY_SCOPES]
        client = request.client
        client_scopes = None if client.scopes is None else parse_scopes(client.scopes)
        held = [scope for scope in user_scopes(user) if scope not in IDENTITY_SCOPES]
        if others:
            extra = grant_scope(join_scopes(others), held, client_scopes)
        elif identity:
            extra = ""  # asked for identity only: no API scope slips in unasked
        else:
            extra = grant_scope(None, held, client_scopes)
        return identity + parse_scopes(extra)

    def error(self, request: AuthorizationRequest, error: str, description: str) -> Redirect:
        return Redirect(
            self._error_location(request.redirect_uri, request.state, error, description)
        )

    def _needs_login(self, request: AuthorizationRequest, signed_in: SignedIn | None) -> bool:
        if signed_in is None or "login" in request.prompt:
            return True
        if request.max_age is not None:  # max_age=0 asks for a fresh login (OIDC Core §3.1.2.1)
            elapsed = self._clock() - signed_in.session.auth_time
            return request.max_age == 0 or elapsed > request.max_age
        return False

    async def _code(
        self, request: AuthorizationRequest, signed_in: SignedIn, scopes: list[str]
    ) -> Redirect:
        code = await self._codes.issue(
            client_id=request.client.id,
            user_id=signed_in.user.id,
            browser_session_id=signed_in.session.id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            scope=join_scopes(scopes),
            nonce=request.nonce,
            auth_time=signed_in.session.auth_time,
        )
        return Redirect(
            with_query(
                request.redirect_uri,
                {"code": code, "state": request.state, "iss": self._settings.issuer_url},
            )
        )

    def _error_location(
        self, redirect_uri: str, state: str | None, error: str, description: str
    ) -> str:
        return with_query(
            redirect_uri,
            {
                "error": error,
                "error_description": description,
                "state": state,
                "iss": self._settings.issuer_url,
            },
        )
