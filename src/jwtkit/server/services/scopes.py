"""Scope strings (RFC 6749 §3.3): parsing, checking, and what a request may be granted."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import InvalidRequestError, InvalidScopeError

__all__ = ["ADMIN_SCOPE", "IDENTITY_SCOPES", "grant_scope", "join_scopes", "parse_scopes"]

#: The scope the admin API requires; only users created as admins may be granted it.
ADMIN_SCOPE = "admin"
#: OpenID Connect's scopes about the user's own identity: any client may ask for them at the
#: authorization endpoint, and the user's consent decides.
IDENTITY_SCOPES = ("openid", "profile", "email")
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,128}")
_MAX_SCOPES = 64


def parse_scopes(text: str | None) -> list[str]:
    """The scope tokens of a space-separated string, in order, without duplicates."""
    if text is None or text == "":
        return []
    tokens = text.split(" ")
    if len(tokens) > _MAX_SCOPES:
        raise InvalidScopeError(f"At most {_MAX_SCOPES} scopes may be requested")
    result: list[str] = []
    for token in tokens:
        if not _SCOPE_TOKEN.fullmatch(token):
            raise InvalidRequestError("The scope must be scope tokens separated by single spaces")
        if token not in result:
            result.append(token)
    return result


def join_scopes(scopes: Iterable[str]) -> str:
    return " ".join(scopes)


def grant_scope(requested: str | None, *allowed: list[str] | None) -> str:
    """The scope to grant: the requested tokens if every allowed set holds them (else
    ``invalid_scope``), or, when nothing was requested, the tokens all sets share except
    ``admin``, which is only ever granted when asked for. ``None`` as a set means "no
    restriction from this side" (a first-party client)."""
    limits = [set(scopes) for scopes in allowed if scopes is not None]
    wanted = parse_scopes(requested)
    if wanted:
        refused = [scope for scope in wanted if any(scope not in limit for limit in limits)]
        if refused:
            raise InvalidScopeError(f"Not allowed: {join_scopes(refused)}")
        return join_scopes(wanted)
    if not limits:
        return ""
    ordered = next(scopes for scopes in allowed if scopes is not None)
    return join_scopes(
        scope
        for scope in ordered
        if scope != ADMIN_SCOPE and all(scope in limit for limit in limits)
    )
