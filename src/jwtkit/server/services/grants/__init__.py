"""The token endpoint's grant handlers, one module per grant type (Fosite's shape).

The endpoint authenticates the client, then asks the handler registered for the request's
``grant_type``; a new grant is a new module and one line in :func:`default_handlers`, never
another branch in the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ...db.models import Client
from ..tokens import IssuedTokens

__all__ = ["GrantHandler", "TokenRequest"]


@dataclass(frozen=True)
class TokenRequest:
    """A parsed token request: its form parameters and where it came from."""

    grant_type: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    ip: str = "unknown"

    def get(self, name: str) -> str | None:
        value = self.parameters.get(name)
        return value if value not in (None, "") else None


class GrantHandler(Protocol):
    """Turns an authenticated client's request of one grant type into tokens."""

    grant_type: str

    async def handle(self, request: TokenRequest, client: Client) -> IssuedTokens: ...
