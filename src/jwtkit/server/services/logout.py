"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): who asks, and where to go after.

``post_logout_redirect_uri`` must be one of the client's registered redirect URIs, and the
client must be named (``client_id``) or shown (an ``id_token_hint`` this server signed, read
even when expired, as the spec allows); otherwise the request is refused on the server's page,
never redirected. Ending the session is the browser sessions' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ...errors import JWTKitError
from ..db.models import Client
from ..errors import InvalidRequestError, NotFoundError
from .authorization import with_query
from .clients import ClientService, client_redirect_uris
from .keys import SigningKeys

__all__ = ["LogoutRequest", "LogoutService"]

_MAX_HINT = 8192


@dataclass(frozen=True)
class LogoutRequest:
    client: Client | None = None
    post_logout_redirect_uri: str | None = None
    state: str | None = None
    #: The ``sub`` of a valid ``id_token_hint``: the user the app says is signing out.
    hinted_subject: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str | None:
        """Where the browser goes once signed out (None: the server's signed-out page)."""
        if self.post_logout_redirect_uri is None:
            return None
        return with_query(self.post_logout_redirect_uri, {"state": self.state})


class LogoutService:
    def __init__(self, clients: ClientService, keys: SigningKeys) -> None:
        self._clients = clients
        self._keys = keys

    async def check(self, parameters: Mapping[str, str]) -> LogoutRequest:
        hint = parameters.get("id_token_hint")
        hinted_subject = hinted_client = None
        if hint:
            if len(hint) > _MAX_HINT:
                raise InvalidRequestError("The id_token_hint is not an ID token of this server")
            try:
                claims = (await self._keys.id_token_verifier()).verify(hint)
            except JWTKitError:
                raise InvalidRequestError(
                    "The id_token_hint is not an ID token of this server"
                ) from None
            hinted_subject = str(claims["sub"])
            audience = claims["aud"]
            hinted_client = str(audience[0] if isinstance(audience, list) else audience)
        client_id = parameters.get("client_id") or None
        if client_id is not None and hinted_client is not None and client_id != hinted_client:
            raise InvalidRequestError("The client_id and the id_token_hint name different clients")
        client_id = client_id or hinted_client
        client = None
        if client_id is not None:
            client = await self._clients.get(client_id) if len(client_id) <= 64 else None
            if client is None:
                raise NotFoundError("No client with that client_id is registered here")
        uri = parameters.get("post_logout_redirect_uri") or None
        if uri is not None:
            if client is None:
                raise InvalidRequestError(
                    "A post_logout_redirect_uri needs client_id or id_token_hint"
                )
            if uri not in client_redirect_uris(client):
                raise InvalidRequestError(
                    "The post_logout_redirect_uri is not one this client registered"
                )
        state = parameters.get("state") or None
        if state is not None and len(state) > 2048:
            raise InvalidRequestError("The state is too long")
        return LogoutRequest(client, uri, state, hinted_subject, dict(parameters))
