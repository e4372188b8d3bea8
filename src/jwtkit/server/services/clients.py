"""OAuth clients: registration, authentication, and the built-in first-party client.

A request that names no client belongs to the built-in first-party public client
(``FIRST_PARTY_CLIENT_ID``): that is how the README's curl and a first-party app log in.
Confidential clients authenticate with ``client_secret_basic`` or ``client_secret_post``;
their secrets are 256 random bits stored as SHA-256 and shown once. Every failure to
authenticate gets the same ``invalid_client``, whether the id is unknown or the secret wrong.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..db.models import Client
from ..errors import InvalidClientError, InvalidRequestError, NotFoundError
from ..security.secrets import digest, new_token, same_digest
from ..settings import Settings
from .audit import AuditLog
from .scopes import join_scopes, parse_scopes
from .tokens import TokenService

__all__ = [
    "FIRST_PARTY_CLIENT_ID",
    "GRANT_TYPES",
    "ClientCredentials",
    "ClientService",
    "client_grant_types",
    "client_redirect_uris",
]

FIRST_PARTY_CLIENT_ID = "jwtkit-first-party"
GRANT_TYPES = ("authorization_code", "client_credentials", "password", "refresh_token")
_MAX_NAME = 200
#: Seconds a replica reuses the list of CORS origins before reading the clients again.
_ORIGINS_TTL = 5.0


@dataclass(frozen=True)
class ClientCredentials:
    """What a request said about its client; all None: no client named."""

    client_id: str | None = None
    secret: str | None = None
    #: "client_secret_basic", "client_secret_post" or "none".
    method: str = "none"


def client_grant_types(client: Client) -> list[str]:
    return client.grant_types.split()


def client_redirect_uris(client: Client) -> list[str]:
    uris: list[str] = json.loads(client.redirect_uris)
    return uris


#: Schemes a browser runs or reads locally instead of handing to an app: never a redirect
#: target (RFC 9700 §4.1.1 open redirection; a login page's CSP would let a form post there).
#: Private-use schemes of native apps (``com.example.app:/cb``, RFC 8252 §7.1) stay allowed.
_FORBIDDEN_REDIRECT_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})


def _check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme.lower() in _FORBIDDEN_REDIRECT_SCHEMES:
        raise InvalidRequestError(
            f"Invalid redirect URI {uri!r}: the {parts.scheme}: scheme is not a redirect target"
        )
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.fragment or (not parts.netloc and parts.scheme in ("http", "https")):
        raise InvalidRequestError(f"Invalid redirect URI {uri!r}: absolute, without a fragment")
    if parts.scheme == "http" and not loopback:
        raise InvalidRequestError(f"Invalid redirect URI {uri!r}: http is allowed on loopback only")
    if not parts.scheme or len(uri) > 2000:
        raise InvalidRequestError(f"Invalid redirect URI {uri!r}")
    return uri


class ClientService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        tokens: TokenService,
        audit: AuditLog,
        clock: Callable[[], float],
    ) -> None:
        self._database = database
        self._settings = settings
        self._tokens = tokens
        self._audit = audit
        self._clock = clock
        self._first_party: Client | None = None
        self._origins: tuple[float, frozenset[str]] | None = None

    async def ensure_first_party(self) -> Client:
        """Create the built-in client, or bring it in line with today's settings."""
        grants = ["refresh_token", "authorization_code"]
        if self._settings.password_grant:
            grants.insert(0, "password")
        values = {
            "name": "jwtkit first-party client",
            "secret_hash": None,
            "grant_types": " ".join(grants),
            "scopes": None,
            "audiences": self._settings.audience,
            "is_first_party": True,
        }
        for attempt in (1, 2):
            try:
                async with self._database.transaction() as session:
                    existing = await session.get(Client, FIRST_PARTY_CLIENT_ID)
                    if existing is None:
                        session.add(
                            Client(
                                id=FIRST_PARTY_CLIENT_ID,
                                redirect_uris="[]",
                                created_at=self._clock(),
                                **values,
                            )
                        )
                    else:
                        await session.execute(
                            update(Client)
                            .where(Client.id == FIRST_PARTY_CLIENT_ID)
                            .values(**values)
                        )
                break
            except IntegrityError:
                # Replicas starting together: another one created it a moment ago; update
                # theirs (the second attempt finds it) instead of failing this start.
                if attempt == 2:
                    raise
        # The built-in client is written only here, from this process's settings, and can be
        # neither deleted nor given a secret: this copy stays true for the process's life, so
        # a login or refresh through it costs no client query.
        self._first_party = await self.require(FIRST_PARTY_CLIENT_ID)
        return self._first_party

    async def create(
        self,
        name: str,
        *,
        grant_types: Sequence[str],
        scopes: Sequence[str] = (),
        audiences: Sequence[str] = (),
        redirect_uris: Sequence[str] = (),
        public: bool = False,
        first_party: bool = False,
        actor: str | None = None,
    ) -> tuple[Client, str | None]:
        """A new client and, for a confidential one, its secret (shown this once)."""
        if not 1 <= len(name) <= _MAX_NAME or not name.isprintable():
            raise InvalidRequestError(
                f"The client name must be 1 to {_MAX_NAME} printable characters"
            )
        grants = list(dict.fromkeys(grant_types))
        unknown = [grant for grant in grants if grant not in GRANT_TYPES]
        if not grants or unknown:
            raise InvalidRequestError(
                f"Grant types must be some of {', '.join(GRANT_TYPES)}"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        if public and "client_credentials" in grants:
            raise InvalidRequestError(
                "A public client cannot use client_credentials (it has no secret)"
            )
        uris = [_check_redirect_uri(uri) for uri in dict.fromkeys(redirect_uris)]
        if "authorization_code" in grants and not uris:
            raise InvalidRequestError(
                "An authorization_code client needs at least one redirect URI"
            )
        audience_list = list(dict.fromkeys(audiences)) or [self._settings.audience]
        if any(
            not audience or not audience.isprintable() or " " in audience
            for audience in audience_list
        ):
            raise InvalidRequestError(
                "An audience must be a non-empty string of printable characters without spaces"
            )
        secret = None if public else new_token()
        client = Client(
            id=secrets.token_urlsafe(18),
            name=name,
            secret_hash=None if secret is None else digest(secret),
            grant_types=" ".join(grants),
            scopes=join_scopes(parse_scopes(join_scopes(scopes))),
            audiences=" ".join(audience_list),
            redirect_uris=json.dumps(uris),
            is_first_party=first_party,
            created_at=self._clock(),
        )
        async with self._database.transaction() as session:
            session.add(client)
            await self._audit.record(session, "client_created", client_id=client.id, actor=actor)
        return client, secret

    async def authenticate(self, credentials: ClientCredentials) -> Client:
        """The client a request speaks for; ``invalid_client`` if it cannot prove it."""
        client_id = credentials.client_id or FIRST_PARTY_CLIENT_ID
        if client_id == FIRST_PARTY_CLIENT_ID and self._first_party is not None:
            client: Client | None = self._first_party
        else:
            client = await self.get(client_id)
        if client is None:
            raise InvalidClientError("Client authentication failed")
        if client.secret_hash is None:
            if credentials.secret:  # a public client has no secret to present
                raise InvalidClientError("Client authentication failed")
            return client
        if not credentials.secret or not same_digest(credentials.secret, client.secret_hash):
            raise InvalidClientError("Client authentication failed")
        return client

    async def web_origins(self) -> frozenset[str]:
        """The origins allowed to call the token, userinfo and JWKS endpoints from a browser
        (CORS): those of the http(s) redirect URIs of public authorization-code clients.
        Read at most every few seconds per replica; a new client is allowed within that."""
        now = time.monotonic()
        if self._origins is not None and now - self._origins[0] < _ORIGINS_TTL:
            return self._origins[1]
        origins: set[str] = set()
        for client in await self.list():
            if client.secret_hash is None and "authorization_code" in client_grant_types(client):
                for uri in client_redirect_uris(client):
                    parts = urlsplit(uri)
                    if parts.scheme in ("http", "https") and parts.netloc:
                        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        self._origins = (now, frozenset(origins))
        return self._origins[1]

    async def get(self, client_id: str) -> Client | None:
        async with self._database.read() as session:
            return await session.get(Client, client_id)

    async def require(self, client_id: str) -> Client:
        client = await self.get(client_id)
        if client is None:
            raise NotFoundError("No such client")
        return client

    async def list(self) -> list[Client]:
        async with self._database.transaction() as session:
            return list((await session.scalars(select(Client).order_by(Client.created_at))).all())

    async def rotate_secret(self, client_id: str, *, actor: str | None) -> str:
        """A new secret for a confidential client; the old one stops working at once."""
        client = await self.require(client_id)
        if client.secret_hash is None:
            raise InvalidRequestError("A public client has no secret to rotate")
        secret = new_token()
        async with self._database.transaction() as session:
            await session.execute(
                update(Client).where(Client.id == client.id).values(secret_hash=digest(secret))
            )
            await self._audit.record(
                session, "client_secret_rotated", client_id=client.id, actor=actor
            )
        return secret

    async def delete(self, client_id: str, *, actor: str | None) -> None:
        """Delete a client and end every token issued to it."""
        if client_id == FIRST_PARTY_CLIENT_ID:
            raise InvalidRequestError("The built-in first-party client cannot be deleted")
        client = await self.require(client_id)
        async with self._database.transaction() as session:
            await self._tokens.revoke_client_tokens(session, client.id)
            await session.execute(delete(Client).where(Client.id == client.id))
            await self._audit.record(session, "client_deleted", client_id=client.id, actor=actor)
