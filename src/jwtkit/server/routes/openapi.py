"""What the OpenAPI document says about errors: every status a route can answer, one body.

Every error the server sends is ``{"error": ..., "error_description": ...}`` (RFC 6749 §5.2
and RFC 6750 §3 use the same two members). Each router lists the statuses its routes can
answer; FastAPI's generated ``422`` is replaced by ``400``, which is what the server sends
for a body that does not validate. Fuzzers (Schemathesis, in the test suite) hold the server
to this document: an undocumented status or a body that does not match is a failure.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

__all__ = ["ErrorBody", "error_responses", "replace_validation_errors"]


class ErrorBody(BaseModel):
    """An error (RFC 6749 §5.2): a code, and a description written for the client."""

    error: str
    error_description: str


_DESCRIPTIONS = {
    400: "The request is malformed or was refused (`invalid_request`, `invalid_grant`, ...)",
    401: "Client authentication failed, or the access token is missing, invalid or revoked "
    "(with `WWW-Authenticate`)",
    403: "The token lacks a scope this needs, or the action is not allowed",
    404: "No such user, client or key",
    409: "The change conflicts with existing data (a name or email already registered)",
    413: "The request body is larger than `JWTKIT_MAX_BODY_BYTES`",
    429: "Too many attempts (`slow_down`); `Retry-After` says when to try again",
    503: "The database cannot answer now (`temporarily_unavailable`); `Retry-After` says when "
    "to try again",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, all with :class:`ErrorBody`."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses
    }


def replace_validation_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` document ``400`` where FastAPI wrote ``422``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        error_schema = {"$ref": "#/components/schemas/ErrorBody"}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None and "400" not in responses:
                    responses["400"] = {
                        "description": _DESCRIPTIONS[400],
                        "content": {"application/json": {"schema": error_schema}},
                    }
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
