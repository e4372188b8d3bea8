"""The OpenAPI document describes every error the server sends (routes/openapi.py): the
statuses each router can answer, one error body, and 400 where FastAPI would say 422."""

from __future__ import annotations

import pytest

from .conftest import Server

pytestmark = pytest.mark.anyio


async def test_every_operation_documents_its_errors_and_never_422(sqlite_server: Server) -> None:
    document = (await sqlite_server.client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400 and path != "/readyz":  # readiness answers its own body
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (method, path, status)
    token = document["paths"]["/auth/token"]["post"]["responses"]
    assert {"400", "401", "429", "503"} <= set(token)
    admin = document["paths"]["/admin/users/{identifier}"]["get"]["responses"]
    assert {"401", "403", "404", "503"} <= set(admin)


async def test_a_body_that_does_not_validate_is_the_documented_400(sqlite_server: Server) -> None:
    response = await sqlite_server.client.post("/auth/register", json={"username": 7})
    assert response.status_code == 400
    assert set(response.json()) == {"error", "error_description"}
