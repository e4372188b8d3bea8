"""The server's errors, as the protocols name them; the services raise, the routes render.

:class:`OAuthError` carries an RFC 6749 §5.2 error code and the status that RFC (or RFC 7009,
7662) gives it; :class:`BearerError` is RFC 6750's answer to a bad access token on a protected
resource. The descriptions are written for the client and never hold a secret, a hash or the
token that was presented.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "BearerError",
    "ConflictError",
    "InsufficientScopeError",
    "InvalidBearerRequestError",
    "InvalidBearerTokenError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidScopeError",
    "NotFoundError",
    "OAuthError",
    "RateLimitedError",
    "ServerError",
    "TemporarilyUnavailableError",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
]


class ServerError(Exception):
    """The root of the errors a service raises for a route to render."""

    status_code = 400
    error = "invalid_request"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class OAuthError(ServerError):
    """An RFC 6749 error response: ``{"error": ..., "error_description": ...}``."""


class InvalidRequestError(OAuthError):
    error = "invalid_request"


class InvalidClientError(OAuthError):
    """Client authentication failed (401 with ``WWW-Authenticate``, RFC 6749 §5.2)."""

    status_code = 401
    error = "invalid_client"


class InvalidGrantError(OAuthError):
    error = "invalid_grant"


class UnauthorizedClientError(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantTypeError(OAuthError):
    error = "unsupported_grant_type"


class InvalidScopeError(OAuthError):
    error = "invalid_scope"


class AccessDeniedError(OAuthError):
    status_code = 403
    error = "access_denied"


class ConflictError(ServerError):
    status_code = 409
    error = "conflict"


class NotFoundError(ServerError):
    status_code = 404
    error = "not_found"


class RateLimitedError(ServerError):
    """Too many attempts: 429 with ``Retry-After``."""

    status_code = 429
    error = "slow_down"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts; try again later")
        self.retry_after = retry_after


class TemporarilyUnavailableError(ServerError):
    """The database (or another dependency) cannot answer now: 503 with ``Retry-After``."""

    status_code = 503
    error = "temporarily_unavailable"

    def __init__(self, description: str = "The service is temporarily unavailable") -> None:
        super().__init__(description)
        self.retry_after = 5


class BearerError(ServerError):
    """RFC 6750 §3: the answer to a request for a protected resource."""

    status_code = 401
    error = "invalid_token"

    def __init__(self, description: str, *, scope: str | None = None) -> None:
        super().__init__(description)
        self.scope = scope


class InvalidBearerTokenError(BearerError):
    status_code = 401
    error = "invalid_token"


class InvalidBearerRequestError(BearerError):
    """RFC 6750 §3.1 ``invalid_request``: the ``Authorization`` header is not one well-formed
    ``Bearer <token>`` (400, with the challenge, like every answer of a protected resource)."""

    status_code = 400
    error = "invalid_request"


class InsufficientScopeError(BearerError):
    status_code = 403
    error = "insufficient_scope"
