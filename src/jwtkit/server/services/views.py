"""How users, clients and keys are shown to admins: one shape for the CLI and the API.

Never a hash or a secret: a client's secret is shown once, by whoever created or rotated it.
"""

from __future__ import annotations

from typing import Any

from ...keyring import KeyRecord
from ..db.models import Client, Consent, User
from .clients import client_grant_types, client_redirect_uris
from .scopes import parse_scopes

__all__ = ["client_view", "consent_view", "key_view", "user_view"]


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "scopes": parse_scopes(user.scopes),
        "admin": user.is_admin,
        "disabled": user.disabled_at is not None,
        "created_at": user.created_at,
    }


def client_view(client: Client) -> dict[str, Any]:
    return {
        "client_id": client.id,
        "name": client.name,
        "public": client.secret_hash is None,
        "first_party": client.is_first_party,
        "grant_types": client_grant_types(client),
        "scopes": None if client.scopes is None else parse_scopes(client.scopes),
        "audiences": client.audiences.split(),
        "redirect_uris": client_redirect_uris(client),
        "created_at": client.created_at,
    }


def consent_view(consent: Consent) -> dict[str, Any]:
    return {
        "client_id": consent.client_id,
        "scope": consent.scope,
        "granted_at": consent.granted_at,
    }


def key_view(record: KeyRecord) -> dict[str, Any]:
    return {
        "kid": record.kid,
        "alg": record.key.alg,
        "state": record.state,
        "created_at": record.created_at,
        "activated_at": record.activated_at,
        "retired_at": record.retired_at,
        "remove_after": record.remove_after,
    }
